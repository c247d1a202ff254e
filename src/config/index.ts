/**
 * `wan`'s configuration: flags > environment > config file (profile over top level) > defaults.
 * See resolveConfig(); everything here is independent of the terminal.
 */

export { API_KEY_FILE_VAR, API_KEY_VAR } from './api-key.js';
export { ConfigError } from './config-error.js';
export { DEFAULTS } from './defaults.js';
export { parseDuration } from './duration.js';
export { ENV_VARS, PROFILE_VAR } from './env.js';
export { FLAG_NAMES } from './flags.js';
export { SEARCH_PLACES, USER_SEARCH_PLACES } from './load.js';
export { maskKey } from './mask.js';
export { mergeConfig } from './merge.js';
export { type ResolveOptions, resolveConfig } from './resolve.js';
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
