import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { RetryPolicy } from '../retry.js';

/** Reported as the body arrives, at most once per write (about 1 MiB); throttling is the caller's job. */
export interface DownloadProgress {
  /** Bytes of the file on disk so far, including `resumedFrom`. */
  transferredBytes: number;
  /** Size of the whole video, when the server said. */
  totalBytes?: number;
  /** Bytes reused from a `.part` left by an earlier run (0 when starting fresh). */
  resumedFrom: number;
}

export interface DownloadOptions {
  /** Final path. Its directory must exist (else DownloadError 'disk'). */
  to: string;
  /** Replace an existing file at `to`; without it, DownloadError 'exists' and the file is untouched. @default false */
  force?: boolean;
  /** The caller holds `lockTarget(to)` already (it saves more than the video under it). @default false */
  locked?: boolean;
  /** Abort → AbortedError; the `.part` stays, and the next download to the same `to` resumes from it. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Before each retry's sleep. `attempt` is the number of the request about to be made (2 for the first retry). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** Expiry checks and retry sleeps. @default systemClock */
  clock?: Clock;
  /**
   * Fetch through this undici dispatcher (a proxy, custom TLS) and its timeouts. @default none: a
   * connection of our own per request, with `connectTimeoutMs` and `headersTimeoutMs`
   */
  dispatcher?: Dispatcher;
  /** Without a dispatcher: connecting (and TLS) may take this long. @default 10000 */
  connectTimeoutMs?: number;
  /** Without a dispatcher: from the request to the response head. @default 30000 */
  headersTimeoutMs?: number;
  /** No body bytes for this long (while we are ready for them) → a connection failure, retried; 0 disables. @default 30000 */
  stallTimeoutMs?: number;
  /** Attempts and backoff. A failed attempt that saved bytes does not count against `attempts`. @default DEFAULT_RETRY */
  retry?: RetryPolicy;
  /** Compute the SHA-256 of the file too (CRC-64 is always checked). @default true */
  sha256?: boolean;
  /**
   * Write the `.part` with O_DIRECT where the filesystem is known to take it (ext4, xfs, btrfs on
   * Linux): no page-cache copy, and nothing left in memory for the fsync before the rename to
   * write out. A resume then starts at a 4 KiB boundary. false: always through the page cache.
   * @default true
   */
  directIo?: boolean;
  /** Jitter source, for deterministic tests. @default Math.random */
  random?: () => number;
}

export interface DownloadResult {
  /** `to`, as given. */
  file: string;
  bytes: number;
  /** SHA-256 of the saved file, lower-case hex. */
  sha256: string;
  /** CRC-64/XZ of the saved file as an unsigned decimal string (OSS's `x-oss-hash-crc64ecma` format). */
  crc64: string;
  /** Bytes reused from a `.part` left by an earlier run. */
  resumedFrom: number;
  /** What the bytes were checked against: a length the server committed to, OSS's CRC-64; empty: unverified. */
  verifiedBy: Array<'length' | 'crc64'>;
  /** HTTP requests made. */
  attempts: number;
  etag?: string;
  contentType?: string;
}
