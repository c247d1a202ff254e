import { WanError } from './wan-error.js';

/**
 * The request did not get an HTTP answer. `sent` says whether the request may have reached the
 * server: a create that failed after sending may still have created (and billed) a task.
 */
export class ConnectionError extends WanError {
  override readonly name: string = 'ConnectionError';
  /** How many times the request was tried. */
  attempts = 1;
  /** A create that failed this way may still have created (and will bill) a task. */
  mayHaveCreated = false;
  constructor(
    readonly operation: string,
    readonly host: string,
    readonly sent: boolean,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: cannot reach ${host}: ${detail}`, options);
  }
}

/** A connect, response-header or body-stall timeout (each configured separately). */
export class TimeoutError extends ConnectionError {
  override readonly name = 'TimeoutError';
}
