import { systemClock } from '../clock.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ConnectionError, TimeoutError } from '../errors/connection-error.js';
import { DownloadError } from '../errors/download-error.js';
import { DEFAULT_RETRY, retryDelay } from '../retry.js';
import { type AttemptContext, type AttemptOutcome, abortedError, attemptDownload } from './attempt.js';
import { FileDigest } from './file-digest.js';
import type { DownloadOptions, DownloadResult } from './options.js';
import {
  checkRegular,
  discardPart,
  diskError,
  inspectPart,
  type PartPaths,
  partPaths,
  removeMeta,
} from './part-file.js';
import { describeUrl, expiredMessage, urlExpiry, urlHost } from './signed-url.js';
import { checkTarget, commitPart } from './target.js';
import { lockTarget } from './target-lock.js';
import { verifyContent } from './verify.js';
import { videoFetcher } from './video-request.js';

/** @default 30 s without body bytes → the attempt is a connection failure. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** @default 10 s to connect (and finish TLS) to the video host. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** @default 30 s from the request to the response head. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;

/**
 * No request starts once this long has passed since the download began (on the injected clock):
 * a host that sends a few bytes per connection and then stalls makes progress every time, so
 * counting failures in a row alone would retry it for ever.
 */
export const MAX_DOWNLOAD_RETRY_MS = 10 * 60_000;

/** All requests of one download, as a multiple of `retry.attempts`, for the same reason. */
const REQUESTS_PER_ATTEMPT = 4;

/** A server that keeps answering resumes with ranges we cannot use gets this many fresh starts. */
const MAX_RESTARTS = 3;

/**
 * Downloads a Wan video from its signed URL to `options.to`, never leaving a partial or unverified
 * file there. Bytes go to `<to>.part` (resumable by a later call), are checked for length, OSS's
 * CRC-64 and an MP4 header, then fsynced and renamed. One download at a time writes a given `to`
 * (see target-lock.ts). See options.ts for every option.
 *
 * Throws DownloadError ('expired' | 'exists' | 'http' | 'disk' | 'not-video' | 'integrity'),
 * ConnectionError / TimeoutError once retries are exhausted, or AbortedError.
 */
export async function downloadVideo(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const clock = options.clock ?? systemClock;
  const host = urlHost(url);
  const force = options.force ?? false;
  // Every check that needs no network comes first, so a doomed download makes no request.
  if (!isHttpUrl(url))
    throw new DownloadError(
      'http',
      `cannot download ${describeUrl(url)}: only http and https URLs are supported`,
      host,
    );
  checkNotExpired(url, clock.now(), host);
  await checkTarget(options.to, force);
  const paths = partPaths(options.to);
  await checkRegular(paths.part);
  await checkRegular(paths.meta);
  if (options.signal?.aborted) throw abortedError(paths);

  const lock = options.locked
    ? undefined
    : await lockTarget(options.to, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onWait ? { onWait: options.onWait } : {}),
      });
  try {
    // The download we may have waited for has probably saved the file meanwhile.
    if (lock) await checkTarget(options.to, force);
    return await fetchVerified(url, options, paths);
  } finally {
    await lock?.release();
  }
}

async function fetchVerified(url: string, options: DownloadOptions, paths: PartPaths): Promise<DownloadResult> {
  const clock = options.clock ?? systemClock;
  const where = describeUrl(url);
  const host = urlHost(url);
  const policy = options.retry ?? DEFAULT_RETRY;
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const fetcher = await videoFetcher({
    dispatcher: options.dispatcher,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    stallTimeoutMs,
  });
  const digest = new FileDigest();
  const started = clock.now();
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
    fetcher,
    signal: options.signal,
    stallTimeoutMs,
    digest,
    now: () => clock.now(),
    onStart: (start, total) => {
      if (start === 0) resumedFrom = 0;
      report(start, total);
    },
    onWritten: report,
  };

  try {
    for (;;) {
      if (options.signal?.aborted) throw abortedError(paths);
      checkNotExpired(url, clock.now(), host); // a long retry may sleep past Expires
      const part = await inspectPart(paths);
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
        let verifiedBy: DownloadResult['verifiedBy'];
        try {
          verifiedBy = verifyContent(
            outcome.info.expected,
            { bytes: outcome.bytes, crc64: digests.crc64 },
            where,
            host,
          );
        } catch (err) {
          await discardPart(paths);
          throw err;
        }
        const result: DownloadResult = {
          file: options.to,
          bytes: outcome.bytes,
          sha256: digests.sha256,
          crc64: digests.crc64,
          verifiedBy,
          resumedFrom: resumedFrom ?? 0,
          attempts: requests,
          ...(outcome.info.etag !== undefined ? { etag: outcome.info.etag } : {}),
          ...(outcome.info.contentType !== undefined ? { contentType: outcome.info.contentType } : {}),
        };
        await options.beforeCommit?.(result);
        await commitPart(paths, options.to, options.force ?? false);
        await removeMeta(paths);
        return result;
      }
      if (outcome.kind === 'restart') {
        if (++restarts > MAX_RESTARTS) throw inconsistent(outcome.reason, where, host);
        await discardPart(paths);
        digest.reset();
        resumedFrom = 0;
      }
      let delayMs = 0;
      if (outcome.kind === 'retry') {
        // A failed attempt that saved bytes was not wasted: only attempts in a row without progress
        // count against the policy, so a long download over a flaky link is not abandoned half-way.
        failures = outcome.progressed ? 1 : failures + 1;
        const delay = retryDelay(
          failures,
          { status: outcome.status, retryAfter: outcome.retryAfter },
          policy,
          clock.now(),
          options.random ?? Math.random,
        );
        if (delay === undefined) throw exhausted(outcome, requests, '', where, host);
        delayMs = delay;
      }
      // Bounds on the whole download, whatever each attempt achieved.
      if (requests >= REQUESTS_PER_ATTEMPT * policy.attempts) throw exhausted(outcome, requests, '', where, host);
      if (clock.now() + delayMs - started >= MAX_DOWNLOAD_RETRY_MS) {
        throw exhausted(outcome, requests, ` in ${MAX_DOWNLOAD_RETRY_MS / 60_000} min`, where, host);
      }
      if (outcome.kind !== 'retry') continue; // a restart or the rest of a short range: at once
      options.onRetry?.({ attempt: requests + 1, delayMs, reason: outcome.reason });
      await clock.sleep(delayMs, options.signal).catch((err: unknown) => {
        throw err instanceof AbortedError ? abortedError(paths) : err;
      });
    }
  } finally {
    await fetcher.close().catch(() => undefined);
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

/** The error for a download given up on after `requests` requests, from the outcome of the last. */
function exhausted(
  outcome: Exclude<AttemptOutcome, { kind: 'complete' }>,
  requests: number,
  within: string,
  where: string,
  host: string,
): Error {
  const gaveUp = `gave up after ${requests} attempt${requests === 1 ? '' : 's'}${within}`;
  if (outcome.kind === 'restart') return inconsistent(outcome.reason, where, host);
  if (outcome.kind === 'retry' && outcome.status !== undefined) {
    return new DownloadError('http', `download video: ${where} answered ${outcome.reason}; ${gaveUp}`, host);
  }
  const reason = outcome.kind === 'retry' ? outcome.reason : 'the server keeps sending the video in short ranges';
  const ErrorClass = outcome.kind === 'retry' && outcome.timeout ? TimeoutError : ConnectionError;
  const err = new ErrorClass('download video', host, true, `${reason}; ${gaveUp}`, {
    cause: outcome.kind === 'retry' ? outcome.cause : undefined,
  });
  err.attempts = requests;
  return err;
}

function inconsistent(reason: string, where: string, host: string): DownloadError {
  return new DownloadError('http', `download video: ${where} keeps answering resumes inconsistently (${reason})`, host);
}
