import { WanError } from './wan-error.js';

/** No API key was found in any of the places `wan` looks; nothing was sent. */
export class MissingKeyError extends WanError {
  override readonly name = 'MissingKeyError';
  constructor() {
    super('no API key found: set DASHSCOPE_API_KEY, or write the key to ~/.dashscope/api_key (chmod 600)');
  }
}
