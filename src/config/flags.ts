import { parseValue } from './parse-value.js';
import { resolveUserPath } from './paths.js';
import type { ConfigFlags, ConfigKey, ConfigLayer, ConfigValues } from './types.js';

/** The command-line flag for each key; used in error messages and as the source detail. */
export const FLAG_NAMES: Record<ConfigKey, string> = {
  region: '--region',
  baseUrl: '--base-url',
  // No flag: set in a config file or WAN_WORKSPACE.
  workspace: 'workspace',
  model: '--model',
  size: '--size',
  resolution: '--resolution',
  ratio: '--ratio',
  duration: '--duration',
  promptExtend: '--prompt-extend',
  watermark: '--watermark',
  audio: '--audio',
  negativePrompt: '--negative-prompt',
  seed: '--seed',
  outputDir: '--output-dir',
  pollInterval: '--interval',
  timeout: '--timeout',
  // No flags for these: they are set in a config file or the environment.
  connectTimeout: 'connectTimeout',
  requestTimeout: 'requestTimeout',
  stallTimeout: 'stallTimeout',
  retries: 'retries',
  maxCost: '--max-cost',
};

const KEYS = Object.keys(FLAG_NAMES) as ConfigKey[];

/** The flag a boolean value came from: `false` can only have come from the `--no-` form. */
function flagName(key: ConfigKey, value: unknown): string {
  return value === false ? FLAG_NAMES[key].replace(/^--/, '--no-') : FLAG_NAMES[key];
}

/** Commander's options as a config layer; a relative `--output-dir` is taken from `cwd`. */
export function flagLayer(flags: ConfigFlags, cwd: string, home: string): ConfigLayer {
  const values: Partial<ConfigValues> = {};
  const detail: Partial<Record<ConfigKey, string>> = {};
  for (const key of KEYS) {
    const raw = flags[key];
    if (raw === undefined) continue;
    const name = flagName(key, raw);
    const value = parseValue(key, raw, name);
    (values as Record<ConfigKey, unknown>)[key] =
      key === 'outputDir' ? resolveUserPath(value as string, cwd, home) : value;
    detail[key] = name;
  }
  return { kind: 'flag', detail, values };
}
