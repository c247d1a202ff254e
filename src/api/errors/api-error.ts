import { WanError } from './wan-error.js';

/** The service answered with an error status and (usually) DashScope's flat `{code, message, request_id}` body. */
export class ApiError extends WanError {
  override readonly name: string = 'ApiError';
  /** How many times the request was sent; more than 1 means retries ran out. */
  attempts = 1;
  /** A create that failed this way may still have created (and will bill) a task. */
  mayHaveCreated = false;
  constructor(
    /** What we were doing, e.g. `create task`. */
    readonly operation: string,
    readonly status: number,
    /** DashScope's error code, e.g. `InvalidParameter`; `undefined` when the body was not DashScope JSON. */
    readonly code: string | undefined,
    readonly apiMessage: string,
    requestId?: string,
  ) {
    super(
      `${operation}: ${status}${code ? ` ${code}` : ''}: ${apiMessage}${requestId ? ` (request id ${requestId})` : ''}`,
    );
    this.requestId = requestId;
  }
}
