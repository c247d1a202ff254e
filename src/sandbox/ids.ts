import { randomBytes, randomUUID } from 'node:crypto';

/** DashScope's `request_id`/`task_id` are UUID-like strings (dashscope-api.md §4). */
export function newUuid(): string {
  return randomUUID();
}

/** OSS request ids are 24 upper-case hex characters (`x-oss-request-id`, `<RequestId>`). */
export function newOssRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}
