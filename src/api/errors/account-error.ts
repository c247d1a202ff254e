import { ApiError } from './api-error.js';

/**
 * The account cannot pay for more now: in arrears (`Arrearage`) or out of its allocated quota
 * (`Throttling.AllocationQuota`, `AllocationQuota.*`). Unlike throttling, this does not clear in
 * seconds, so it is never retried (dashscope-api.md §5).
 */
export class AccountError extends ApiError {
  override readonly name = 'AccountError';

  static matches(code: string | undefined): boolean {
    return code !== undefined && /^(Arrearage|Throttling\.AllocationQuota|AllocationQuota\.)/.test(code);
  }
}
