import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { beijingDate } from './time-format.js';

/**
 * Temporary-file upload policies (dashscope-api.md §1.3): getPolicy hands out an OSS PostObject
 * policy (base64 JSON) and its V1 signature (base64 HMAC-SHA1 of the policy); the upload host checks
 * both. The policy also carries which model and account it was issued for, so any process sharing the
 * state dir can check an upload without a table of issued policies (real OSS keeps that server-side).
 */

/** Path-style bucket on the video listener, after the `dashscope-file-*` upload buckets of §1.3. */
export const UPLOAD_BUCKET = 'dashscope-file-sandbox';
export const UPLOAD_PATH = `/${UPLOAD_BUCKET}`;
/** §1.3 example values. */
export const POLICY_TTL_SECONDS = 300;
export const MAX_FILE_SIZE_MB = 100;
export const CAPACITY_LIMIT_MB = 999_999_999;

export interface PolicyBinding {
  model: string;
  /** Opaque per-key tag (see {@link PostPolicySigner.accountTag}). */
  account: string;
}

export interface PolicyDocument {
  expiration: string;
  conditions: unknown[];
  'x-sandbox-binding': PolicyBinding;
}

export interface IssuedPolicy {
  policy: string;
  signature: string;
  uploadDir: string;
}

export class PostPolicySigner {
  constructor(private readonly secret: string) {}

  /**
   * A per-key tag for upload directories and bindings: keyed by the sandbox secret so that what a
   * client sees in its policy is not a plain hash of its key.
   */
  accountTag(keyHash: string): string {
    return createHmac('sha256', this.secret).update(`account\n${keyHash}`).digest('hex').slice(0, 32);
  }

  issue(binding: PolicyBinding, now: number): IssuedPolicy {
    const uploadDir = `dashscope-instant/${binding.account}/${beijingDate(now)}/${randomUUID().replaceAll('-', '')}`;
    const document: PolicyDocument = {
      expiration: new Date(now + POLICY_TTL_SECONDS * 1000).toISOString(),
      conditions: [
        { bucket: UPLOAD_BUCKET },
        ['starts-with', '$key', `${uploadDir}/`],
        ['content-length-range', 0, MAX_FILE_SIZE_MB * 1024 * 1024],
        { 'x-oss-object-acl': 'private' },
        { 'x-oss-forbid-overwrite': 'true' },
      ],
      'x-sandbox-binding': binding,
    };
    const policy = Buffer.from(JSON.stringify(document)).toString('base64');
    return { policy, signature: this.sign(policy), uploadDir };
  }

  /** The policy document if `signature` is ours for `policy`, else undefined. */
  verify(policy: string, signature: string): PolicyDocument | undefined {
    const expected = Buffer.from(this.sign(policy));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as PolicyDocument;
    } catch {
      return undefined;
    }
  }

  private sign(policy: string): string {
    return createHmac('sha1', this.secret).update(policy).digest('base64');
  }
}

/**
 * The first policy condition the form breaks, in OSS's wording (`["starts-with", "$key", "…"]`), or
 * undefined. Supports what getPolicy issues: exact-match objects, `eq`, `starts-with`, `content-length-range`.
 */
export function failedCondition(
  document: PolicyDocument,
  fields: Record<string, string>,
  fileSize: number,
): { condition: string; tooLarge: boolean } | undefined {
  const field = (name: string) => (name === 'bucket' ? UPLOAD_BUCKET : fields[name.replace(/^\$/, '').toLowerCase()]);
  for (const condition of Array.isArray(document.conditions) ? document.conditions : []) {
    const text = JSON.stringify(condition).replaceAll(',', ', ');
    if (Array.isArray(condition)) {
      const [op, a, b] = condition as [string, string | number, string | number];
      if (op === 'content-length-range') {
        if (fileSize < Number(a) || fileSize > Number(b)) return { condition: text, tooLarge: fileSize > Number(b) };
      } else if (op === 'starts-with') {
        if (!(field(String(a)) ?? '').startsWith(String(b))) return { condition: text, tooLarge: false };
      } else if (op === 'eq') {
        if (field(String(a)) !== String(b)) return { condition: text, tooLarge: false };
      }
    } else if (condition && typeof condition === 'object') {
      for (const [name, value] of Object.entries(condition)) {
        if (field(name) !== String(value)) return { condition: text, tooLarge: false };
      }
    }
  }
  return undefined;
}
