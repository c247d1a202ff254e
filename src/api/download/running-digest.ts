import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createWasmCrc64 } from './crc64-wasm.js';
import { BLOCK } from './direct-io.js';
import { MAX_SLABS, SLAB_BYTES } from './slab-body.js';

/** Digests of the whole file, as the result reports them. */
export interface FileDigest {
  /** CRC-64/XZ as an unsigned decimal string, comparable with `x-oss-hash-crc64ecma`. */
  crc64: string;
  /** Lower-case hex; only when asked for. */
  sha256?: string;
}

/** Reads of a resumed prefix. */
const READ_BYTES = 1 << 20;

/**
 * CRC-64 (and SHA-256 when asked) of the `.part`, computed from each piece as it is written, so a
 * download reads nothing back. The CRC runs in WebAssembly at about 3 GB/s and SHA-256 (OpenSSL)
 * at about 1.5 GB/s on one core; on a 2-core machine this costs less than the worker threads that
 * read the file back did, because the socket, the disk writes and the server share those cores.
 * A resumed prefix, written by an earlier attempt or process, is hashed from disk by `catchUp`.
 */
export class RunningDigest {
  private readonly crc = createWasmCrc64(READ_BYTES, MAX_SLABS, SLAB_BYTES);
  private sha: Hash | undefined;
  /** Memory for a SlabBody to receive into: the CRC then runs on it in place. */
  readonly slabs = this.crc.slabs;
  /** Bytes [0, position) of the file are hashed. */
  position = 0;

  constructor(private readonly withSha256: boolean) {
    this.sha = withSha256 ? createHash('sha256') : undefined;
  }

  /**
   * Whether `view` starts at a block boundary of block-aligned memory, as O_DIRECT needs: true for
   * the slabs' blocks, which live in WebAssembly memory (page-aligned) at block offsets.
   */
  isBlockAligned(view: Buffer): boolean {
    return this.slabs.length > 0 && view.buffer === this.slabs[0]!.buffer && view.byteOffset % BLOCK === 0;
  }

  /** The next bytes of the file, in order. */
  update(bytes: Uint8Array): void {
    this.crc.update(bytes);
    this.sha?.update(bytes);
    this.position += bytes.length;
  }

  /** The file is being written from byte 0 again. */
  reset(): void {
    this.crc.reset();
    this.sha = this.withSha256 ? createHash('sha256') : undefined;
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

  /** Digests of bytes [0, position). */
  digest(): FileDigest {
    const crc64 = this.crc.digest();
    return this.sha ? { crc64, sha256: this.sha.copy().digest('hex') } : { crc64 };
  }
}
