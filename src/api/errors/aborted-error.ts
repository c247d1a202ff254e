import { WanError } from './wan-error.js';

/** The caller's AbortSignal fired (Ctrl-C, SIGTERM): the task keeps running and can be resumed. */
export class AbortedError extends WanError {
  override readonly name = 'AbortedError';
  constructor(message = 'interrupted') {
    super(message);
  }
}
