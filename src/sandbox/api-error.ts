import type { OutgoingHttpHeaders } from 'node:http';
import { type Exchange, sendJson } from './exchange.js';
import { newUuid } from './ids.js';

/** DashScope's flat request-level error body (dashscope-api.md §4.1, §5). */
export function sendError(
  ex: Exchange,
  status: number,
  code: string,
  message: string,
  extra: OutgoingHttpHeaders = {},
): void {
  sendJson(ex, status, { code, message, request_id: newUuid() }, extra);
}

/** §5/§6.1: what every throttled request gets; `Retry-After: 1` because the windows are one second. */
export function sendThrottled(ex: Exchange): void {
  sendError(ex, 429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.', {
    'retry-after': '1',
  });
}
