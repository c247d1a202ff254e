import { ApiError } from './api-error.js';

/** 429 `Throttling*`: too many requests; `retryAfterMs` from the Retry-After header when sent. */
export class RateLimitError extends ApiError {
  override readonly name = 'RateLimitError';
  retryAfterMs?: number;
}
