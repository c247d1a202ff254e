import { parseValue } from './parse-value.js';
import { resolveUserPath } from './paths.js';
import type { ConfigKey, ConfigLayer, ConfigValues } from './types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The variable for each key that has one. `DASHSCOPE_HTTP_BASE_URL` is the official SDK's name, so one setting serves both. */
export const ENV_VARS = {
  region: 'WAN_REGION',
  baseUrl: 'DASHSCOPE_HTTP_BASE_URL',
  workspace: 'WAN_WORKSPACE',
  model: 'WAN_MODEL',
  outputDir: 'WAN_OUTPUT_DIR',
  pollInterval: 'WAN_POLL_INTERVAL',
  timeout: 'WAN_TIMEOUT',
  connectTimeout: 'WAN_CONNECT_TIMEOUT',
  requestTimeout: 'WAN_REQUEST_TIMEOUT',
  stallTimeout: 'WAN_STALL_TIMEOUT',
  retries: 'WAN_RETRIES',
  maxCost: 'WAN_MAX_COST',
} as const satisfies Partial<Record<ConfigKey, string>>;

export const PROFILE_VAR = 'WAN_PROFILE';

/** A variable's value; `FOO=` counts as unset, as it is the usual way to switch a variable off for one command. */
export function readEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The environment as a config layer; a relative `WAN_OUTPUT_DIR` is taken from `cwd`. */
export function envLayer(env: Env, cwd: string, home: string): ConfigLayer {
  const values: Partial<ConfigValues> = {};
  const detail: Partial<Record<ConfigKey, string>> = {};
  for (const [key, name] of Object.entries(ENV_VARS) as Array<[keyof typeof ENV_VARS, string]>) {
    const raw = readEnv(env, name);
    if (raw === undefined) continue;
    const value = parseValue(key, raw, name);
    (values as Record<ConfigKey, unknown>)[key] =
      key === 'outputDir' ? resolveUserPath(value as string, cwd, home) : value;
    detail[key] = name;
  }
  return { kind: 'env', detail, values };
}
