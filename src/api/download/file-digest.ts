import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Crc64 } from '../crc64.js';

/** Reads of a resumed prefix. */
const READ_BYTES = 1 << 20;

/**
 * CRC-64/XZ (what OSS sends in `x-oss-hash-crc64ecma`) and SHA-256 of the `.part`, computed from
 * each chunk as it is handed to the disk, so a download reads nothing back. A prefix written by an
 * earlier attempt or process is hashed from disk by `catchUp`.
 */
export class FileDigest {
  private crc = new Crc64();
  private sha: Hash = createHash('sha256');
  /** Bytes [0, position) of the file are hashed. */
  position = 0;

  /** The next bytes of the file, in order. */
  update(bytes: Uint8Array): void {
    this.crc.update(bytes);
    this.sha.update(bytes);
    this.position += bytes.length;
  }

  /** The file is being written from byte 0 again. */
  reset(): void {
    this.crc = new Crc64();
    this.sha = createHash('sha256');
    this.position = 0;
  }

  /** Hashes bytes [position, upTo) from the file at `path`; starts over if it is already past `upTo`. */
  async catchUp(path: string, upTo: number): Promise<void> {
    if (this.position > upTo) this.reset();
    if (this.position === upTo) return;
    const fh = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      while (this.position < upTo) {
        const { bytesRead } = await fh.read(buffer, 0, Math.min(READ_BYTES, upTo - this.position), this.position);
        if (bytesRead === 0) throw new Error(`${path} holds ${this.position} bytes, fewer than the ${upTo} expected`);
        this.update(buffer.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  /** Digests of bytes [0, position): CRC-64 as an unsigned decimal string, SHA-256 as lower-case hex. */
  digest(): { crc64: string; sha256: string } {
    return { crc64: this.crc.digest(), sha256: this.sha.copy().digest('hex') };
  }
}
