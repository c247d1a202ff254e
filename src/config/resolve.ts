import path from 'node:path';
import { regionBaseUrl, regionOfBaseUrl } from '../api/regions.js';
import { API_KEY_VAR, permissionWarning, resolveApiKey } from './api-key.js';
import { isInsecureRemote } from './base-url.js';
import { ConfigError } from './config-error.js';
import { type Env, envLayer, PROFILE_VAR, readEnv } from './env.js';
import { type FileLayers, fileLayers, type ProfileChoice } from './file-config.js';
import { flagLayer } from './flags.js';
import { findConfigFile, loadConfigFile } from './load.js';
import { mergeConfig } from './merge.js';
import { apiKeysIn, redactError } from './redact.js';
import type { ConfigFlags, ConfigSources, ConfigValues, ResolvedConfig, ValueSource } from './types.js';

export interface ResolveOptions {
  flags: ConfigFlags;
  /** The environment to read (the CLI passes the process environment; tests pass a literal). */
  env: Env;
  /** Where the config file search starts and relative flag/env paths are taken from. */
  cwd: string;
  /** The user's home: where the upward search stops, and where `~/.dashscope/api_key` and `~/.config` live. */
  home: string;
}

function profileChoice(flags: ConfigFlags, env: Env): ProfileChoice | undefined {
  // An empty `--profile ""` is treated like an empty variable: not given.
  if (flags.profile) return { name: flags.profile, from: '--profile' };
  const fromEnv = readEnv(env, PROFILE_VAR);
  return fromEnv ? { name: fromEnv, from: PROFILE_VAR } : undefined;
}

async function resolve(opts: ResolveOptions, secrets: Set<string>): Promise<ResolvedConfig> {
  const { flags, env } = opts;
  const cwd = path.resolve(opts.cwd);
  const home = path.resolve(opts.home);

  // Flags first, so a typo on the command line is reported before anything is read from disk.
  const flagValues = flagLayer(flags, cwd, home);
  const envValues = envLayer(env, cwd, home);
  const profile = profileChoice(flags, env);

  const file =
    flags.config !== undefined
      ? await loadConfigFile(flags.config, { cwd, home })
      : await findConfigFile({ cwd, home, env });
  if (file) for (const key of apiKeysIn(file.config)) secrets.add(key);
  if (profile && !file) {
    throw new ConfigError(
      `${profile.from}: profile "${profile.name}" was asked for, but no config file was found`,
      profile.from,
    );
  }
  const fromFile: FileLayers = file ? fileLayers(file, profile, home) : { layers: [], holdsApiKey: false };

  const { values, sources } = mergeConfig([...fromFile.layers, envValues, flagValues]);
  followBaseUrl(values, sources);
  const baseUrl = values.baseUrl ?? regionBaseUrl(values.region);

  const warnings: string[] = [];
  if (file && fromFile.holdsApiKey) {
    const insecure = await permissionWarning(file.filepath);
    if (insecure) warnings.push(insecure);
  }
  const key = await resolveApiKey({ env, cwd, home, config: file && { file: file.filepath, apiKey: fromFile.apiKey } });
  warnings.push(...key.warnings);
  if (key.apiKey && isInsecureRemote(baseUrl)) {
    warnings.push(`${baseUrl} uses plain http, so the API key would cross the network unencrypted; use https`);
  }

  return {
    values,
    sources,
    baseUrl,
    ...(key.apiKey !== undefined && { apiKey: key.apiKey, apiKeySource: key.apiKeySource }),
    ...(key.apiKeyProblem !== undefined && { apiKeyProblem: key.apiKeyProblem }),
    ...(file && { configFile: file.filepath }),
    ...(profile && { profile: profile.name }),
    warnings,
  };
}

/**
 * The region follows the base URL's host, as the SDKs switch region by the base URL alone
 * (`https://dashscope-intl.aliyuncs.com/api/v1` is Singapore's): model ids, prices and uploads
 * then follow it. A region set explicitly that contradicts the host is an error naming both; an
 * unknown host (a gateway, the sandbox) leaves the configured region.
 */
function followBaseUrl(values: ConfigValues, sources: ConfigSources): void {
  if (values.baseUrl === undefined) return;
  const ofHost = regionOfBaseUrl(values.baseUrl);
  if (ofHost === undefined) return;
  const urlFrom = sourceText(sources.baseUrl);
  if (sources.region?.kind !== 'default') {
    if (ofHost === values.region) return;
    throw new ConfigError(
      `${sourceText(sources.region)} says region ${values.region}, but ${urlFrom} is ${values.baseUrl}, a ${ofHost} host; drop one or make them agree`,
      sources.region?.detail ?? 'region',
      'region',
    );
  }
  values.region = ofHost;
  sources.region = { kind: 'derived', detail: `from the host of baseUrl (${urlFrom})` };
}

function sourceText(source: ValueSource | undefined): string {
  return source ? `${source.kind === 'derived' ? '' : `${source.kind} `}${source.detail ?? ''}`.trim() : 'default';
}

/**
 * Resolves `wan`'s settings: flags > environment > config file (its profile over its top level) >
 * built-in defaults, key by key, plus the API key from the official SDK's places.
 * Reads only the injected `env`, `cwd` and `home`.
 * @throws ConfigError (one line, naming the flag, variable or file and key; never containing the key).
 */
export async function resolveConfig(opts: ResolveOptions): Promise<ResolvedConfig> {
  const secrets = new Set<string>();
  const fromEnv = readEnv(opts.env, API_KEY_VAR)?.trim();
  if (fromEnv) secrets.add(fromEnv);
  try {
    return await resolve(opts, secrets);
  } catch (error) {
    throw error instanceof ConfigError ? redactError(error, secrets) : error;
  }
}
