import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { AbortedError } from '../errors/aborted-error.js';
import { DownloadError } from '../errors/download-error.js';
import { RETRYABLE_STATUSES } from '../retry.js';
import { parseContentRange } from './content-range.js';
import type { VideoResponse } from './direct-get.js';
import { BLOCK, openPart } from './direct-io.js';
import { describeNetworkFailure } from './network-failure.js';
import { isExpiredOssError, parseOssError } from './oss-error.js';
import { diskError, type PartMeta, type PartPaths, type PartState, writeMeta } from './part-file.js';
import { PartWriter } from './part-writer.js';
import type { RunningDigest } from './running-digest.js';
import { describeUrl, expiredMessage, urlExpiry } from './signed-url.js';
import type { ExpectedContent } from './verify.js';

export const USER_AGENT = 'wan-cli';

/** Everything one request needs; built once per download. */
export interface AttemptContext {
  url: string;
  /** `describeUrl(url)`: what messages may show. */
  where: string;
  host: string;
  paths: PartPaths;
  /** One GET: direct-get.ts, or undici-get.ts when the caller gave a dispatcher. */
  get(url: string, headers: Record<string, string>): Promise<VideoResponse>;
  signal: AbortSignal | undefined;
  stallTimeoutMs: number;
  digest: RunningDigest;
  /** The `.part`'s filesystem takes O_DIRECT (direct-io.ts). */
  direct: boolean;
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
    if (part.meta?.etag && !part.meta.etag.startsWith('W/')) headers['if-range'] = part.meta.etag;
  }
  let response: VideoResponse;
  try {
    // Redirects are never followed: a redirect from the video host is reported.
    response = await ctx.get(ctx.url, headers);
  } catch (err) {
    throwIfAborted(ctx);
    return networkRetry(ctx, err, false);
  }
  const { status, body } = response;
  const etag = response.header('etag');
  const contentType = response.header('content-type');
  const crc64 = response.header('x-oss-hash-crc64ecma');

  if (status === 200) {
    // Also the answer to a resume whose If-Range did not match (the object changed) or to a server
    // that ignores Range: the body is the whole object, so the `.part` is rewritten from 0.
    const total = contentLength(response);
    const meta = definedOnly({ etag, total, crc64 });
    return receive(ctx, response, {
      start: 0,
      end: total,
      total,
      meta,
      info: { expected: { bytes: total, crc64 }, etag, contentType },
    });
  }
  if (status === 206) {
    const range = parseContentRange(response.header('content-range'));
    const reason = staleReason(part, range, etag);
    if (reason || range?.kind !== 'range' || range.total === undefined) {
      body.cancel();
      return { kind: 'restart', reason: reason ?? 'the server answered a resume with an unusable Content-Range' };
    }
    const sameObject = etag === undefined || etag === part.meta?.etag;
    const expectedCrc = crc64 ?? (sameObject ? part.meta?.crc64 : undefined);
    const meta = definedOnly({ etag: etag ?? part.meta?.etag, total: range.total, crc64: expectedCrc });
    const info = { expected: { bytes: range.total, crc64: expectedCrc }, etag: etag ?? part.meta?.etag, contentType };
    return receive(ctx, response, { start: part.size, end: range.end + 1, total: range.total, meta, info });
  }
  if (status === 416 && part.size > 0) {
    // Asked for bytes from N on and there are none: the `.part` may already be whole (a previous run
    // died between the last byte and the rename).
    body.cancel();
    const range = parseContentRange(response.header('content-range'));
    const changed = etag !== undefined && part.meta?.etag !== undefined && etag !== part.meta.etag;
    if (
      range?.kind === 'unsatisfied' &&
      range.total === part.size &&
      (part.meta?.total ?? part.size) === part.size &&
      !changed
    ) {
      const expectedCrc = crc64 ?? part.meta?.crc64;
      return {
        kind: 'complete',
        bytes: part.size,
        info: { expected: { bytes: range.total, crc64: expectedCrc }, etag: etag ?? part.meta?.etag },
      };
    }
    return { kind: 'restart', reason: `the server has no bytes after ${part.size} but the object is not that long` };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    body.cancel();
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
  /** Where the body should end (exclusive), when the response says. */
  end: number | undefined;
  /** Length of the whole object, when known. */
  total: number | undefined;
  meta: PartMeta;
  info: ObjectInfo;
}

/** Streams the body into the `.part` from `plan.start`, then says whether the file is whole. */
async function receive(ctx: AttemptContext, response: VideoResponse, plan: ReceivePlan): Promise<AttemptOutcome> {
  // The body has been arriving into its slabs since the head (pausing when they are full), and
  // keeps every byte even if the connection then drops.
  const { body } = response;
  let fh: FileHandle;
  let direct = false;
  let buffered: Promise<FileHandle> | undefined;
  try {
    // The meta goes first: a `.part` on disk is always described by the meta next to it.
    await writeMeta(ctx.paths, plan.meta);
    // A resumed prefix is hashed from disk first (a no-op when this process wrote it); the body
    // waits in its slabs meanwhile.
    if (plan.start === 0) ctx.digest.reset();
    else
      await ctx.digest.catchUp(ctx.paths.part, plan.start).catch((err: unknown) => {
        throw diskError(`cannot read back ${ctx.paths.part}`, err);
      });
    ctx.onStart(plan.start, plan.total);
    ({ fh, direct } = await openPart(ctx.paths.part, plan.start, ctx.direct).catch((err: unknown) => {
      throw diskError(`cannot open ${ctx.paths.part}`, err);
    }));
    if (direct) body.alignTo(BLOCK);
  } catch (err) {
    body.cancel();
    throw err;
  }
  const writer = new PartWriter(fh, {
    position: plan.start,
    sniff: plan.start === 0,
    contentType: plan.info.contentType,
    path: ctx.paths.part,
    host: ctx.host,
    onWritten: (position) => ctx.onWritten(position, plan.total),
    hash: (view) => ctx.digest.update(view),
    release: (view) => body.release(view),
    ...(direct
      ? {
          direct: {
            aligned: (view: Buffer) => ctx.digest.isBlockAligned(view),
            buffered: () => (buffered ??= open(ctx.paths.part, constants.O_WRONLY)),
          },
        }
      : {}),
  });
  let failure: unknown;
  try {
    // Every byte that arrived is handed over before a failure, so what is on disk is all we got.
    for await (const view of body) await writer.write(view);
    await writer.finish();
  } catch (err) {
    failure = err;
  } finally {
    await writer.close().catch((err: unknown) => {
      failure ??= err;
    });
    await buffered?.then((handle) => handle.close()).catch(() => undefined);
    // Waits for a flush still in flight, so the next attempt sees the file as it really is.
    await fh.close().catch((err: unknown) => {
      failure ??= diskError(`cannot close ${ctx.paths.part}`, err);
    });
  }
  const written = writer.written;
  const progressed = written > plan.start;
  if (failure !== undefined) {
    if (writer.callbackError !== undefined) throw writer.callbackError;
    throwIfAborted(ctx);
    if (failure instanceof DownloadError) throw failure;
    return networkRetry(ctx, failure, progressed);
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

/** Why a 206 cannot continue the `.part`, or undefined when it can. */
function staleReason(
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
  return undefined;
}

/** The DownloadError for a status we do not retry: expired link, other 4xx, redirects, the unexpected. */
async function statusError(ctx: AttemptContext, response: VideoResponse): Promise<DownloadError> {
  const status = response.status;
  const text = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  if (status >= 300 && status < 400) {
    response.body.cancel(); // the connection is closed: a video GET has its own
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

function contentLength(response: VideoResponse): number | undefined {
  const value = response.header('content-length');
  return value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : undefined;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
