/**
 * The download engine: saves a Wan video from its signed URL, resumably and verified.
 * Nothing here writes to the terminal; progress and retries are reported through callbacks.
 */
export { DEFAULT_STALL_TIMEOUT_MS, downloadVideo, MAX_DOWNLOAD_RETRY_MS } from './download.js';
export type { DownloadOptions, DownloadProgress, DownloadResult, Verification } from './options.js';
export { describeUrl, urlExpiry } from './signed-url.js';
export { type LockHolder, type LockOptions, lockPath, lockTarget, type TargetLock } from './target-lock.js';
