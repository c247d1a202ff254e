import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import type { RetryPolicy } from '../retry.js';
import type { LockHolder } from './target-lock.js';

/** Reported as the body reaches the disk, at most once per write; throttling is the caller's job. */
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
  /**
   * Replace an existing regular file at `to`; without it, DownloadError 'exists' and the file is
   * untouched. Anything else at `to` (directory, device, FIFO, socket, dangling symlink) is never
   * replaced: DownloadError 'disk'. @default false
   */
  force?: boolean;
  /** Abort → AbortedError; the `.part` stays, and the next download to the same `to` resumes from it. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Before each retry's sleep. `attempt` is the number of the request about to be made (2 for the first retry). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /**
   * Another download (in this process or another) is saving `to`: called once, before this one
   * waits for it to finish. Once it has, `to` usually exists, and without `force` this download
   * ends with DownloadError 'exists'.
   */
  onWait?: (holder: LockHolder) => void;
  /**
   * The caller already holds `lockTarget(to)` and keeps it for longer than the download (the CLI
   * holds it across the download, its sidecar and its journal record). @default false: the
   * download takes the lock for its whole run
   */
  locked?: boolean;
  /**
   * Called with the verified result just before the `.part` is renamed into place: what must be on
   * disk before the video is (the CLI's sidecar, which names the task), so a process killed between
   * the two never leaves a video that cannot be told for what it is.
   */
  beforeCommit?: (result: DownloadResult) => Promise<void>;
  /** Expiry checks, retry sleeps and the retry time limit. @default systemClock */
  clock?: Clock;
  /**
   * Fetch through this undici dispatcher (a proxy, custom TLS), with its connect and header
   * timeouts. @default an undici Agent of the download's own, with `connectTimeoutMs` and
   * `headersTimeoutMs`, closed when the download ends
   */
  dispatcher?: Dispatcher;
  /** Without a dispatcher: connecting (and TLS) may take this long, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Without a dispatcher: from the request to the response head, in ms. @default 30000 */
  headersTimeoutMs?: number;
  /**
   * No body bytes for this long (ms, while we are ready for them) → a connection failure, retried;
   * 0 disables. Applies through a caller's dispatcher too. @default 30000
   */
  stallTimeoutMs?: number;
  /**
   * Attempts and backoff. `attempts` bounds failures in a row that saved no bytes; a failure that
   * saved some starts the count again, but all requests together are at most 4 × `attempts`, and
   * no request starts once 10 minutes have passed since the download began. @default DEFAULT_RETRY
   */
  retry?: RetryPolicy;
  /** Jitter source, for deterministic tests. @default Math.random */
  random?: () => number;
  /** @deprecated Ignored: the SHA-256 is always computed (it costs less than the CRC-64). */
  sha256?: boolean;
}

/** What a saved file was checked against, besides its MP4 header. */
export type Verification = 'length' | 'crc64';

export interface DownloadResult {
  /** `to`, as given. */
  file: string;
  bytes: number;
  /** SHA-256 of the saved file, lower-case hex. */
  sha256: string;
  /** CRC-64/XZ of the saved file as an unsigned decimal string (OSS's `x-oss-hash-crc64ecma` format). */
  crc64: string;
  /**
   * What the server committed to and the file matched: `'length'` (a Content-Length or a
   * Content-Range total) and `'crc64'` (`x-oss-hash-crc64ecma`). Empty when the server sent
   * neither: the file was saved, but nothing shows it is whole (OSS always sends both).
   */
  verifiedBy: Verification[];
  /** Bytes reused from a `.part` left by an earlier run. */
  resumedFrom: number;
  /** HTTP requests made. */
  attempts: number;
  etag?: string;
  contentType?: string;
}
