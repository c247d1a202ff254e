import type { Region } from '../api/regions.js';
import type { Ratio, Tier } from '../api/sizes.js';

/** Every setting `wan` reads from flags, environment and config files, after validation. */
export interface ConfigValues {
  /** Named DashScope region. @default 'beijing' */
  region: Region;
  /** Overrides the region's endpoint; always `http(s)://host[:port]/api/v1` (trailing slash stripped). */
  baseUrl?: string;
  /** Workspace id sent as `X-DashScope-WorkSpace`, for keys of a sub-workspace. */
  workspace?: string;
  /** Model id, any of its regional spellings. @default DEFAULT_MODEL ('wan2.5-t2v-preview') */
  model: string;
  /** `W*H` (input `832x480`, `832X480` or `832*480`), for size-protocol models. */
  size?: string;
  /** Resolution tier, for resolution-protocol models (wan2.7). */
  resolution?: Tier;
  /** Aspect ratio, for resolution-protocol models (wan2.7). */
  ratio?: Ratio;
  /** Video length in whole seconds; which lengths a model accepts is checked elsewhere. */
  duration?: number;
  /** Let the service rewrite the prompt (`prompt_extend`). */
  promptExtend?: boolean;
  /** Ask for the "AI generated" watermark. */
  watermark?: boolean;
  /** `false`: silent videos from models that make sound (`--no-audio`). */
  audio?: boolean;
  negativePrompt?: string;
  /** 0 to 2147483647. */
  seed?: number;
  /** Absolute: a relative value is resolved against its config file's directory, or the cwd for flags and env. */
  outputDir?: string;
  /** Milliseconds between task polls; at least 1000. @default 5000 */
  pollInterval: number;
  /** Milliseconds the wait for a task may take in total. @default 1_800_000 (30 min) */
  timeout: number;
  /** Milliseconds to open a TCP/TLS connection. @default 10_000 */
  connectTimeout: number;
  /** Milliseconds from sending an API request to its response headers. @default 60_000 */
  requestTimeout: number;
  /** Milliseconds without a byte of a response body (a stalled download) before it is retried. @default 30_000 */
  stallTimeout: number;
  /** Attempts in all for requests that are safe to repeat (queries, downloads). @default 5 */
  retries: number;
  /** Refuse to create a task whose estimated cost (in the region's currency) is above this. */
  maxCost?: number;
}

export type ConfigKey = keyof ConfigValues;

/** `derived`: the region, from the base URL's host. */
export type SourceKind = 'flag' | 'env' | 'file' | 'default' | 'derived';

/** Where a value came from; `detail` is `--timeout`, `WAN_TIMEOUT` or `/abs/.wanrc.json (profile ci)`. */
export interface ValueSource {
  kind: SourceKind;
  detail?: string;
}

export type ConfigSources = Partial<Record<ConfigKey, ValueSource>>;

/**
 * One set of values from one place. `detail` is either one label for every key (a file) or a
 * label per key (flags and variables have one name per key).
 */
export interface ConfigLayer {
  kind: SourceKind;
  detail?: string | Partial<Record<ConfigKey, string>>;
  values: Partial<ConfigValues>;
}

export interface ResolvedConfig {
  values: ConfigValues;
  /** The source of every key that has a value. */
  sources: ConfigSources;
  /** Effective endpoint: `values.baseUrl` if set, else the region's. */
  baseUrl: string;
  apiKey?: string;
  /** `env DASHSCOPE_API_KEY`, `config <path> (apiKey)`, `config <path> (profiles.<name>.apiKey)` or `file <path>`. */
  apiKeySource?: string;
  /** Why the key found cannot be sent (see keyProblem); nothing is sent with it. */
  apiKeyProblem?: string;
  /** Absolute path of the config file used, if any. */
  configFile?: string;
  /** The profile applied, if any. */
  profile?: string;
  /** One line each, for stderr; never contain the key. */
  warnings: string[];
}

/** Raw option values as Commander hands them over; `undefined` means the flag was not given. */
export interface ConfigFlags {
  config?: string;
  profile?: string;
  region?: string;
  baseUrl?: string;
  model?: string;
  size?: string;
  resolution?: string;
  ratio?: string;
  duration?: string | number;
  promptExtend?: boolean;
  watermark?: boolean;
  audio?: boolean;
  negativePrompt?: string;
  seed?: string | number;
  outputDir?: string;
  pollInterval?: string;
  timeout?: string;
  workspace?: string;
  connectTimeout?: string;
  requestTimeout?: string;
  stallTimeout?: string;
  retries?: string | number;
  maxCost?: string | number;
}
