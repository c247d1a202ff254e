import { ApiError } from './api-error.js';

/** 401/403: the key is missing, wrong, for another region, or lacks access to the model or workspace. */
export class AuthError extends ApiError {
  override readonly name = 'AuthError';
}
