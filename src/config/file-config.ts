import path from 'node:path';
import type * as z from 'zod/mini';
import { ConfigError } from './config-error.js';
import type { LoadedFile } from './load.js';
import { resolveUserPath } from './paths.js';
import { FILE_KEYS, type FileSettings, fileSchema, PROFILE_KEYS } from './schema.js';
import { closest } from './suggest.js';
import type { ConfigLayer, ConfigValues } from './types.js';

/** Where the key in a config file was found, for `apiKeySource` and the permission check. */
export interface FileApiKey {
  value: string;
  /** `apiKey` or `profiles.<name>.apiKey`. */
  key: string;
}

export interface FileLayers {
  /** Lowest priority first: the file's top level, then the profile. */
  layers: ConfigLayer[];
  /** The profile's key if it has one, else the top level's. */
  apiKey?: FileApiKey;
  /** The file sets `apiKey` somewhere, used or not. */
  holdsApiKey: boolean;
}

/** A profile request and the flag or variable it came from. */
export interface ProfileChoice {
  name: string;
  from: string;
}

/** How keys are named in messages: package.json settings live under its "wan" key. */
function keyPrefix(filepath: string): string[] {
  return path.basename(filepath) === 'package.json' ? ['wan'] : [];
}

/** One line for the first problem; a misspelt key is reported before the type errors it may cause. */
function toError(issues: readonly z.core.$ZodIssue[], filepath: string): ConfigError {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const at = [...keyPrefix(filepath), ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') {
    const [first, ...rest] = issue.keys;
    const key = [...at, first].join('.');
    const guess = closest(first!, issue.path.length === 0 ? FILE_KEYS : PROFILE_KEYS);
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    const more = rest.length ? `; also unknown: ${rest.map((k) => `"${k}"`).join(', ')}` : '';
    return new ConfigError(`${filepath}: key "${key}" is not a config key${hint}${more}`, filepath, key);
  }
  if (at.length === 0) return new ConfigError(`${filepath}: ${issue.message}`, filepath);
  const key = at.join('.');
  return new ConfigError(`${filepath}: key "${key}": ${issue.message}`, filepath, key);
}

/** A file's settings as layer values: `apiKey` taken out, `outputDir` made absolute against the file's directory. */
function toValues(settings: FileSettings, filepath: string, home: string): Partial<ConfigValues> {
  const { apiKey: _apiKey, ...values } = settings;
  if (values.outputDir !== undefined)
    values.outputDir = resolveUserPath(values.outputDir, path.dirname(filepath), home);
  return values;
}

/**
 * Checks a loaded file against the strict schema and returns its layers.
 * @throws ConfigError naming the file and key, or the profile source when the profile is not defined.
 */
export function fileLayers(file: LoadedFile, profile: ProfileChoice | undefined, home: string): FileLayers {
  const parsed = fileSchema.safeParse(file.config ?? {});
  if (!parsed.success) throw toError(parsed.error.issues, file.filepath);
  const { profiles = {}, ...top } = parsed.data;

  const layers: ConfigLayer[] = [{ kind: 'file', detail: file.filepath, values: toValues(top, file.filepath, home) }];
  let apiKey: FileApiKey | undefined = top.apiKey === undefined ? undefined : { value: top.apiKey, key: 'apiKey' };

  if (profile) {
    // hasOwn, so `--profile constructor` is not found on Object.prototype.
    const settings = Object.hasOwn(profiles, profile.name) ? profiles[profile.name] : undefined;
    if (!settings) {
      const names = Object.keys(profiles);
      const defined = names.length ? `defined: ${names.join(', ')}` : 'it defines no profiles';
      throw new ConfigError(
        `${profile.from}: profile "${profile.name}" is not in ${file.filepath}; ${defined}`,
        profile.from,
      );
    }
    const detail = `${file.filepath} (profile ${profile.name})`;
    layers.push({ kind: 'file', detail, values: toValues(settings, file.filepath, home) });
    if (settings.apiKey !== undefined) apiKey = { value: settings.apiKey, key: `profiles.${profile.name}.apiKey` };
  }

  const holdsApiKey = top.apiKey !== undefined || Object.values(profiles).some((p) => p.apiKey !== undefined);
  return { layers, apiKey, holdsApiKey };
}
