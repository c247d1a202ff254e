import { systemClock } from '../clock.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ConnectionError, TimeoutError } from '../errors/connection-error.js';
import { DownloadError } from '../errors/download-error.js';
import { DEFAULT_RETRY, retryDelay } from '../retry.js';
import { type AttemptContext, type AttemptOutcome, abortedError, attemptDownload } from './attempt.js';
import { directGet } from './direct-get.js';
import { canWriteDirect, resumableFrom } from './direct-io.js';
import type { DownloadOptions, DownloadResult } from './options.js';
import { discardPart, diskError, inspectPart, partPaths, removeMeta } from './part-file.js';
import { RunningDigest } from './running-digest.js';
import { describeUrl, expiredMessage, urlExpiry, urlHost } from './signed-url.js';
import { checkTarget, commitPart } from './target.js';
import { undiciGet } from './undici-get.js';
import { verifyContent } from './verify.js';

/** @default 30 s without body bytes → the attempt is a connection failure. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** @default 10 s to connect (and finish TLS) to the video host. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** @default 30 s from the request to the response head. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;

/** A server that keeps answering resumes with ranges we cannot use gets this many fresh starts. */
const MAX_RESTARTS = 3;

/**
 * Downloads a Wan video from its signed URL to `options.to`, never leaving a partial or unverified
 * file there. Bytes go to `<to>.part` (resumable by a later call), are checked for length, OSS's
 * CRC-64 and an MP4 header, then fsynced and renamed. See options.ts for every option.
 *
 * Throws DownloadError ('expired' | 'exists' | 'http' | 'disk' | 'not-video' | 'integrity'),
 * ConnectionError / TimeoutError once retries are exhausted, or AbortedError.
 */
export async function downloadVideo(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const clock = options.clock ?? systemClock;
  const where = describeUrl(url);
  const host = urlHost(url);
  // Every check that needs no network comes first, so a doomed download makes no request.
  if (!isHttpUrl(url))
    throw new DownloadError('http', `cannot download ${where}: only http and https URLs are supported`, host);
  checkNotExpired(url, clock.now(), host);
  await checkTarget(options.to, options.force ?? false);
  const paths = partPaths(options.to);
  if (options.signal?.aborted) throw abortedError(paths);

  const digest = new RunningDigest(options.sha256 ?? true);
  const direct = options.directIo !== false && (await canWriteDirect(paths.part));
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const { dispatcher, signal } = options;
  const get: AttemptContext['get'] = dispatcher
    ? (target, headers) => undiciGet(target, { headers, dispatcher, signal, stallTimeoutMs, slabs: digest.slabs })
    : (target, headers) =>
        directGet(target, {
          headers,
          signal,
          slabs: digest.slabs,
          stallTimeoutMs,
          connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
        });
  let requests = 0;
  let failures = 0;
  let restarts = 0;
  let resumedFrom: number | undefined;
  const report = (position: number, total: number | undefined) =>
    options.onProgress?.({
      transferredBytes: position,
      ...(total !== undefined ? { totalBytes: total } : {}),
      resumedFrom: resumedFrom ?? 0,
    });
  const ctx: AttemptContext = {
    url,
    where,
    host,
    paths,
    get,
    signal,
    stallTimeoutMs,
    digest,
    direct,
    now: () => clock.now(),
    onStart: (start, total) => {
      if (start === 0) resumedFrom = 0;
      report(start, total);
    },
    onWritten: report,
  };

  for (;;) {
    if (options.signal?.aborted) throw abortedError(paths);
    checkNotExpired(url, clock.now(), host); // a long retry may sleep past Expires
    const part = resumableFrom(await inspectPart(paths), direct);
    resumedFrom ??= part.size;
    requests++;
    const outcome = await attemptDownload(ctx, part).catch(async (err: unknown) => {
      // An error page saved as video must not survive to be resumed.
      if (err instanceof DownloadError && err.kind === 'not-video') await discardPart(paths);
      throw err;
    });
    if (outcome.kind === 'complete') {
      // Usually already done; not when the whole file was on disk before this call (a 416).
      await digest.catchUp(paths.part, outcome.bytes).catch((err: unknown) => {
        throw diskError(`cannot read back ${paths.part}`, err);
      });
      const digests = digest.digest();
      try {
        verifyContent(outcome.info.expected, { bytes: outcome.bytes, crc64: digests.crc64 }, where, host);
      } catch (err) {
        await discardPart(paths);
        throw err;
      }
      await commitPart(paths, options.to, options.force ?? false);
      await removeMeta(paths);
      return {
        file: options.to,
        bytes: outcome.bytes,
        ...digests,
        sha256: digests.sha256 ?? '',
        verifiedBy: [
          ...(outcome.info.expected.bytes !== undefined ? (['length'] as const) : []),
          ...(outcome.info.expected.crc64 !== undefined ? (['crc64'] as const) : []),
        ],
        resumedFrom: resumedFrom ?? 0,
        attempts: requests,
        ...(outcome.info.etag !== undefined ? { etag: outcome.info.etag } : {}),
        ...(outcome.info.contentType !== undefined ? { contentType: outcome.info.contentType } : {}),
      };
    }
    if (outcome.kind === 'restart') {
      if (++restarts > MAX_RESTARTS) {
        throw new DownloadError(
          'http',
          `download video: ${where} keeps answering resumes inconsistently (${outcome.reason})`,
          host,
        );
      }
      await discardPart(paths);
      digest.reset();
      resumedFrom = 0;
      continue;
    }
    if (outcome.kind === 'partial') continue;
    // A failed attempt that saved bytes was not wasted: only attempts in a row without progress
    // count against the policy, so a long download over a flaky link is not abandoned half-way.
    failures = outcome.progressed ? 1 : failures + 1;
    const delayMs = retryDelay(
      failures,
      { status: outcome.status, retryAfter: outcome.retryAfter },
      options.retry ?? DEFAULT_RETRY,
      clock.now(),
      options.random ?? Math.random,
    );
    if (delayMs === undefined) throw exhausted(outcome, requests, where, host);
    options.onRetry?.({ attempt: requests + 1, delayMs, reason: outcome.reason });
    await clock.sleep(delayMs, options.signal).catch((err: unknown) => {
      throw err instanceof AbortedError ? abortedError(paths) : err;
    });
  }
}

function checkNotExpired(url: string, now: number, host: string): void {
  const expiry = urlExpiry(url);
  if (expiry && expiry.getTime() <= now) throw new DownloadError('expired', expiredMessage(url, expiry, now), host);
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function exhausted(
  outcome: Extract<AttemptOutcome, { kind: 'retry' }>,
  requests: number,
  where: string,
  host: string,
): Error {
  const gaveUp = `gave up after ${requests} attempt${requests === 1 ? '' : 's'}`;
  if (outcome.status !== undefined) {
    return new DownloadError('http', `download video: ${where} answered ${outcome.reason}; ${gaveUp}`, host);
  }
  const ErrorClass = outcome.timeout ? TimeoutError : ConnectionError;
  return new ErrorClass('download video', host, true, `${outcome.reason}; ${gaveUp}`, { cause: outcome.cause });
}
