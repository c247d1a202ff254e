import { WanError } from './wan-error.js';

/** The service answered 2xx but the body is not what the API documents (not JSON, or a required field missing). */
export class ResponseShapeError extends WanError {
  override readonly name = 'ResponseShapeError';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly detail: string,
    requestId?: string,
  ) {
    super(`${operation}: unexpected response (HTTP ${status}): ${detail}`);
    this.requestId = requestId;
  }
}
