/**
 * `wan`'s configuration: flags > environment > config file (profile over top level) > defaults.
 * See resolveConfig(); everything here is independent of the terminal.
 */
export type {
  ConfigFlags,
  ConfigKey,
  ConfigLayer,
  ConfigSources,
  ConfigValues,
  ResolvedConfig,
  SourceKind,
  ValueSource,
} from './types.js';
export { resolveConfig, type ResolveOptions } from './resolve.js';
export { mergeConfig } from './merge.js';
export { parseDuration } from './duration.js';
export { maskKey } from './mask.js';
export { ConfigError } from './config-error.js';
export { DEFAULTS } from './defaults.js';
export { ENV_VARS, PROFILE_VAR } from './env.js';
export { API_KEY_VAR, API_KEY_FILE_VAR } from './api-key.js';
export { FLAG_NAMES } from './flags.js';
export { SEARCH_PLACES, USER_SEARCH_PLACES } from './load.js';
