import { createHmac, timingSafeEqual } from 'node:crypto';
import { beijingDay } from './time-format.js';

/** Stands in for the `LTAI…` key id real URLs carry (dashscope-api.md §6.3); it grants nothing. */
export const FAKE_ACCESS_KEY_ID = 'LTAI5tWanSandboxNotARealKey';

/** Bucket-like first path segment, after the `dashscope-result-*` buckets of §6.3. */
const BUCKET = 'dashscope-result-sandbox';

/**
 * OSS "signature in URL" (V1): base64 HMAC-SHA1 over `VERB\n\n\nExpires\n/bucket/object`. The verb is
 * signed, so a URL issued for GET does not authorise HEAD — real OSS and S3 behave the same way.
 */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  signature(method: string, expires: number | string, path: string): string {
    return createHmac('sha1', this.secret).update(`${method}\n\n\n${expires}\n${path}`).digest('base64');
  }

  /** A signed URL on `origin` for `path`, valid until `expires` (unix seconds). */
  url(origin: string, path: string, expires: number, method = 'GET'): string {
    const signature = encodeURIComponent(this.signature(method, expires, path));
    return `${origin}${path}?Expires=${expires}&OSSAccessKeyId=${FAKE_ACCESS_KEY_ID}&Signature=${signature}`;
  }

  verify(method: string, expires: string, path: string, signature: string): boolean {
    const expected = Buffer.from(this.signature(method, expires, path));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** `/<bucket>/<YYYYMMDD>/<task_id>.mp4`, dated by the task's end like real result paths. */
export function videoObjectPath(taskId: string, endTime: number): string {
  return `/${BUCKET}/${beijingDay(endTime)}/${encodeURIComponent(taskId)}.mp4`;
}

export function taskIdOfObjectPath(path: string): string | undefined {
  const m = /^\/[^/]+\/\d{8}\/([^/]+)\.mp4$/.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}
