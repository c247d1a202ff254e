import { WanError } from './wan-error.js';

/** No usable API key: none was found, or the one found cannot be sent (exit 3, nothing sent). */
export class MissingKeyError extends WanError {
  override readonly name = 'MissingKeyError';
  constructor(
    message = 'no API key found: set DASHSCOPE_API_KEY, or write the key to ~/.dashscope/api_key (chmod 600)',
  ) {
    super(message);
  }
}
