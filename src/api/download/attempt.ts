import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { AbortedError } from '../errors/aborted-error.js';
import { DownloadError } from '../errors/download-error.js';
import { RETRYABLE_STATUSES } from '../retry.js';
import type { BodyChunks } from './body-chunks.js';
import { parseContentRange } from './content-range.js';
import type { FileDigest } from './file-digest.js';
import { describeHead } from './mp4-sniff.js';
import { describeNetworkFailure } from './network-failure.js';
import { isExpiredOssError, parseOssError } from './oss-error.js';
import { diskError, type PartMeta, type PartPaths, type PartState, writeMeta } from './part-file.js';
import { receiveBody } from './receive-body.js';
import { describeUrl, expiredMessage, urlExpiry } from './signed-url.js';
import type { ExpectedContent } from './verify.js';
import type { VideoFetcher, VideoResponse } from './video-request.js';

export const USER_AGENT = 'wan-cli';

/** Everything one request needs; built once per download. */
export interface AttemptContext {
  url: string;
  /** `describeUrl(url)`: what messages may show. */
  where: string;
  host: string;
  paths: PartPaths;
  fetcher: VideoFetcher;
  signal: AbortSignal | undefined;
  stallTimeoutMs: number;
  digest: FileDigest;
  now(): number;
  /** A body is about to be written from byte `start` (0: anything older was discarded). */
  onStart(start: number, total: number | undefined): void;
  /** Bytes [0, position) are on disk. */
  onWritten(position: number, total: number | undefined): void;
}

/** What the server said about the object, for verification and the result. */
export interface ObjectInfo {
  expected: ExpectedContent;
  etag?: string;
  contentType?: string;
}

export type AttemptOutcome =
  /** The `.part` holds `bytes` bytes and the server says that is all of it: verify and commit. */
  | { kind: 'complete'; bytes: number; info: ObjectInfo }
  /** A 206 for less than the rest ended cleanly (servers may do that): ask for the rest at once. */
  | { kind: 'partial' }
  /** The `.part` does not belong to what the server serves now: delete it and start from 0. */
  | { kind: 'restart'; reason: string }
  /** Worth another try after a delay: a retryable status or a connection failure. */
  | {
      kind: 'retry';
      reason: string;
      status?: number;
      retryAfter?: string;
      timeout: boolean;
      progressed: boolean;
      cause?: unknown;
    };

/**
 * One GET of the video, resuming from whatever the `.part` holds. Returns what to do next, or throws
 * a DownloadError (fatal) or AbortedError. Never sends Authorization or cookies: the URL is
 * pre-signed, and the API key must not reach the video host (style rule 10).
 */
export async function attemptDownload(ctx: AttemptContext, part: PartState): Promise<AttemptOutcome> {
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    // The bytes must be the stored object's, or neither the length nor OSS's CRC-64 would match.
    'accept-encoding': 'identity',
  };
  if (part.size > 0) {
    headers.range = `bytes=${part.size}-`;
    // RFC 9110 §13.1.5: If-Range needs a strong validator; with a weak one we compare ETags ourselves.
    const validator = part.meta?.etag;
    if (isStrong(validator)) headers['if-range'] = validator;
  }
  let response: VideoResponse;
  try {
    response = await ctx.fetcher.get(ctx.url, headers, ctx.signal);
  } catch (err) {
    throwIfAborted(ctx);
    return networkRetry(ctx, err, false);
  }
  const { status, body } = response;
  const etag = response.header('etag');
  const contentType = response.header('content-type');
  const crc64 = response.header('x-oss-hash-crc64ecma');
  // The object the `.part` came from, as far as a strong ETag can tell.
  const sameObject = isStrong(etag) && etag === part.meta?.etag;

  if (status === 200) {
    // Also the answer to a resume whose If-Range did not match (the object changed) or to a server
    // that ignores Range: the body is the whole object, so the `.part` is rewritten from 0. Its
    // length is the Content-Length, or else the one the same object committed to earlier.
    const total = contentLength(response) ?? (sameObject ? part.meta?.total : undefined);
    const expectedCrc = crc64 ?? (sameObject ? part.meta?.crc64 : undefined);
    return receive(ctx, body, {
      start: 0,
      end: total,
      total,
      meta: definedOnly({ etag, total, crc64: expectedCrc }),
      info: { expected: definedOnly({ bytes: total, crc64: expectedCrc }), etag, contentType },
    });
  }
  if (status === 206) {
    const range = parseContentRange(response.header('content-range'));
    const reason = unusableRange(response, part, range, etag);
    if (reason || range?.kind !== 'range' || range.total === undefined) {
      body.destroy();
      return { kind: 'restart', reason: reason ?? 'the server answered a resume with an unusable Content-Range' };
    }
    const expectedCrc = crc64 ?? (etag === undefined || sameObject ? part.meta?.crc64 : undefined);
    const known = etag ?? part.meta?.etag;
    return receive(ctx, body, {
      start: part.size,
      end: range.end + 1,
      total: range.total,
      meta: definedOnly({ etag: known, total: range.total, crc64: expectedCrc }),
      info: { expected: definedOnly({ bytes: range.total, crc64: expectedCrc }), etag: known, contentType },
    });
  }
  if (status === 416 && part.size > 0) {
    // Asked for bytes from N on and there are none: the `.part` may already be whole (a previous run
    // died between the last byte and the rename).
    body.destroy();
    const range = parseContentRange(response.header('content-range'));
    const changed = etag !== undefined && part.meta?.etag !== undefined && etag !== part.meta.etag;
    if (
      range?.kind === 'unsatisfied' &&
      range.total === part.size &&
      (part.meta?.total ?? part.size) === part.size &&
      !changed
    ) {
      const expectedCrc = crc64 ?? part.meta?.crc64;
      const known = etag ?? part.meta?.etag;
      return {
        kind: 'complete',
        bytes: part.size,
        info: { expected: definedOnly({ bytes: range.total, crc64: expectedCrc }), ...definedOnly({ etag: known }) },
      };
    }
    return { kind: 'restart', reason: `the server has no bytes after ${part.size} but the object is not that long` };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    body.destroy();
    const retryAfter = response.header('retry-after');
    return {
      kind: 'retry',
      reason: `${status} ${STATUS_CODES[status] ?? ''}`.trim(),
      status,
      ...(retryAfter ? { retryAfter } : {}),
      timeout: false,
      progressed: false,
    };
  }
  throw await statusError(ctx, response);
}

interface ReceivePlan {
  /** Where the body's first byte goes in the file. */
  start: number;
  /** Where the body ends (exclusive), when the response committed to it. */
  end: number | undefined;
  /** Length of the whole object, when the response committed to it. */
  total: number | undefined;
  meta: PartMeta;
  info: ObjectInfo;
}

/** Streams the body into the `.part` from `plan.start`, then says whether the file is whole. */
async function receive(ctx: AttemptContext, body: BodyChunks, plan: ReceivePlan): Promise<AttemptOutcome> {
  let fh: FileHandle;
  try {
    // The meta goes first: a `.part` on disk is always described by the meta next to it.
    await writeMeta(ctx.paths, plan.meta);
    // A resumed prefix written by another process (or attempt that failed oddly) is hashed from disk.
    if (plan.start === 0) ctx.digest.reset();
    else
      await ctx.digest.catchUp(ctx.paths.part, plan.start).catch((err: unknown) => {
        throw diskError(`cannot read back ${ctx.paths.part}`, err);
      });
    ctx.onStart(plan.start, plan.total);
    fh = await openPart(ctx.paths.part, plan.start).catch((err: unknown) => {
      throw diskError(`cannot open ${ctx.paths.part}`, err);
    });
  } catch (err) {
    body.destroy();
    throw err;
  }
  let received: Awaited<ReturnType<typeof receiveBody>>;
  try {
    received = await receiveBody(body, {
      fh,
      path: ctx.paths.part,
      start: plan.start,
      end: plan.end,
      sniff: plan.start === 0,
      digest: ctx.digest,
      onWritten: (position) => ctx.onWritten(position, plan.total),
      notVideo: (head) => notVideo(ctx, head, plan.info.contentType),
    });
  } finally {
    await fh.close().catch(() => undefined);
  }
  const { written } = received;
  const progressed = written > plan.start;
  if (received.overrun) {
    return { kind: 'restart', reason: `the server sent more than the ${plan.end! - plan.start} bytes it announced` };
  }
  if (received.failure !== undefined) {
    throwIfAborted(ctx);
    return networkRetry(ctx, received.failure, progressed);
  }
  if (plan.end !== undefined && written < plan.end) {
    return {
      kind: 'retry',
      reason: `the body ended after ${written - plan.start} of ${plan.end - plan.start} bytes`,
      timeout: false,
      progressed,
    };
  }
  if (plan.total !== undefined && written < plan.total) return { kind: 'partial' };
  return { kind: 'complete', bytes: written, info: plan.info };
}

/**
 * Why a 206 cannot continue the `.part`, or undefined when it can: it must start where we asked,
 * say what the whole object is (and that must be what the meta recorded), and its Content-Length,
 * if any, must be the length of its range.
 */
function unusableRange(
  response: VideoResponse,
  part: PartState,
  range: ReturnType<typeof parseContentRange>,
  etag: string | undefined,
): string | undefined {
  if (range?.kind !== 'range') return undefined;
  if (range.start !== part.size) return `the server resumed at byte ${range.start} instead of ${part.size}`;
  if (range.total !== undefined && part.meta?.total !== undefined && range.total !== part.meta.total) {
    return `the object is now ${range.total} bytes, not ${part.meta.total}`;
  }
  if (etag !== undefined && part.meta?.etag !== undefined && etag !== part.meta.etag)
    return 'the object changed (new ETag)';
  const length = contentLength(response);
  if (length !== undefined && length !== range.end - range.start + 1) {
    return `its Content-Length (${length}) is not the length of its Content-Range (${range.end - range.start + 1})`;
  }
  return undefined;
}

/** The `.part` for writing from `start` (truncated when 0). Never through a symlink put in its place. */
async function openPart(path: string, start: number): Promise<FileHandle> {
  const noFollow = constants.O_NOFOLLOW ?? 0;
  // A resumed `.part` must still be there: it is not created again as a file full of holes.
  const flags =
    start === 0 ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | noFollow : constants.O_WRONLY | noFollow;
  return open(path, flags);
}

function notVideo(ctx: AttemptContext, head: Buffer, contentType: string | undefined): DownloadError {
  const type = contentType ? `Content-Type ${contentType}` : 'no Content-Type';
  return new DownloadError(
    'not-video',
    `the server at ${ctx.host} sent ${describeHead(head)} (${type}), not an MP4 video; nothing was saved`,
    ctx.host,
  );
}

/** The DownloadError for a status we do not retry: expired link, other 4xx, redirects, the unexpected. */
async function statusError(ctx: AttemptContext, response: VideoResponse): Promise<DownloadError> {
  const status = response.status;
  const text = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  if (status >= 300 && status < 400) {
    response.body.destroy();
    const location = response.header('location');
    const target = location ? ` to ${describeUrl(new URL(location, ctx.url).href)}` : '';
    return new DownloadError(
      'http',
      `download video: ${ctx.where} answered ${text} (redirect${target}); redirects are not followed`,
      ctx.host,
    );
  }
  const oss = parseOssError(await response.body.text());
  if (status === 403 && isExpiredOssError(oss)) {
    const expiry = urlExpiry(ctx.url);
    const now = ctx.now();
    const message =
      expiry && expiry.getTime() > now
        ? `the video host says the URL ${ctx.where} has expired, but its Expires is ${expiry.toISOString()}, still in the future by this computer's clock: check the clock`
        : expiry
          ? expiredMessage(ctx.url, expiry, now)
          : `the video URL ${ctx.where} has expired: Wan keeps results for 24 hours after the task ends, and the signed link cannot be renewed`;
    return new DownloadError('expired', message, ctx.host);
  }
  const detail = oss
    ? `: ${[oss.code, oss.message].filter(Boolean).join(': ')}${oss.requestId ? ` (OSS request id ${oss.requestId})` : ''}`
    : '';
  return new DownloadError('http', `download video: ${ctx.where} answered ${text}${detail}`, ctx.host);
}

function networkRetry(ctx: AttemptContext, err: unknown, progressed: boolean): AttemptOutcome {
  const { detail, timeout } = describeNetworkFailure(err, ctx.url, ctx.stallTimeoutMs);
  return { kind: 'retry', reason: detail, timeout, progressed, cause: err };
}

/** Whatever undici threw on abort (its own error or the signal's reason), callers get AbortedError. */
function throwIfAborted(ctx: AttemptContext): void {
  if (ctx.signal?.aborted) throw abortedError(ctx.paths);
}

export function abortedError(paths: PartPaths): AbortedError {
  return new AbortedError(
    `download interrupted; ${paths.part} is kept and the next download to the same path resumes from it`,
  );
}

function isStrong(etag: string | undefined): etag is string {
  return etag !== undefined && !etag.startsWith('W/');
}

function contentLength(response: VideoResponse): number | undefined {
  const value = response.header('content-length');
  return value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : undefined;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
