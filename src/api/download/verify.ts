import { DownloadError } from '../errors/download-error.js';
import type { Verification } from './options.js';

/** What the server committed to: the length (a Content-Length / Content-Range total) and OSS's CRC-64, when sent. */
export interface ExpectedContent {
  bytes?: number;
  /** `x-oss-hash-crc64ecma`: CRC-64/XZ of the whole object as an unsigned decimal string. */
  crc64?: string;
}

/** What is in the `.part` file, hashed from disk. */
export interface ActualContent {
  bytes: number;
  crc64: string;
}

/**
 * Throws DownloadError('integrity') unless the file on disk is exactly what the server described,
 * and returns what it was checked against (nothing, when the server committed to neither).
 * The caller deletes the `.part`: bytes that fail this check cannot be trusted for a resume either.
 */
export function verifyContent(
  expected: ExpectedContent,
  actual: ActualContent,
  where: string,
  host: string,
): Verification[] {
  const verifiedBy: Verification[] = [];
  if (expected.bytes !== undefined) {
    if (expected.bytes !== actual.bytes) {
      throw new DownloadError(
        'integrity',
        `downloaded video from ${where} has the wrong length: expected ${expected.bytes} bytes, got ${actual.bytes}`,
        host,
      );
    }
    verifiedBy.push('length');
  }
  if (expected.crc64 !== undefined) {
    if (expected.crc64 !== actual.crc64) {
      throw new DownloadError(
        'integrity',
        `downloaded video from ${where} is corrupt: CRC-64 expected ${expected.crc64} (x-oss-hash-crc64ecma), got ${actual.crc64}`,
        host,
      );
    }
    verifiedBy.push('crc64');
  }
  return verifiedBy;
}
