import { WanError } from '../api/errors/wan-error.js';

/**
 * Configuration that cannot be used: a bad flag value, environment variable or config file.
 * The message is one line that names where the value came from and never contains the API key.
 */
export class ConfigError extends WanError {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** Where the bad value came from: a flag (`--timeout`), a variable (`WAN_TIMEOUT`) or a file path. */
    readonly source?: string,
    /** The config key concerned (`timeout`, `profiles.ci.timeout`), when there is one. */
    readonly key?: string,
  ) {
    super(message);
  }
}
