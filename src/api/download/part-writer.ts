import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { DownloadError } from '../errors/download-error.js';
import { describeHead, looksLikeMp4, SNIFF_BYTES } from './mp4-sniff.js';
import { diskError } from './part-file.js';

/**
 * Bytes gathered into one `writev`. Socket reads arrive as ~64 KiB chunks; writing each on its own
 * costs a libuv round trip per chunk and measurably slows a loopback download, so they are batched.
 */
export const WRITE_BATCH_BYTES = 1 << 20;

/** A batch is written after this long even if not full, so progress and the `.part` keep up on slow links. */
const WRITE_DELAY_MS = 100;

/**
 * Start flushing to the device every this many bytes. Left alone, the kernel may keep a whole 1 GiB
 * video in dirty pages, and the fsync before the rename then stalls for a good part of a second;
 * flushing in the background as we go keeps that final fsync short.
 */
const FLUSH_EVERY_BYTES = 64 << 20;

export interface PartWriterOptions {
  /** Absolute position of the first byte this writer receives (the resume offset). */
  position: number;
  /** Check that the body starts like an MP4: true when writing from byte 0. */
  sniff: boolean;
  /** For the not-video message. */
  contentType: string | undefined;
  /** For messages. */
  path: string;
  host: string;
  /** Called after each write lands: bytes [0, position) are on disk. */
  onWritten(position: number): void;
}

/**
 * The end of the download pipeline: writes the body to the `.part` at explicit positions through a
 * FileHandle (the caller owns it, so it can fsync and close it whatever happened), in batches of
 * about 1 MiB. Back-pressure: while a full batch is being written, the stream stops accepting
 * chunks and the body (and the socket under it) pauses, so memory stays constant at any file size.
 * If the body fails, a batch not yet written is lost; the resume fetches it again.
 */
export class PartWriter extends Writable {
  private position: number;
  /** The first bytes of the file, collected until there are enough to sniff. */
  private head = Buffer.alloc(0);
  private sniffed: boolean;
  /** Chunks held back until the first 8 bytes have been seen: nothing is written before the sniff. */
  private held: Buffer[] = [];
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Writes run one after another; a failure stays in the chain and fails every later write. */
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown;
  private flushedAt: number;
  private flushing = false;

  /** What `onWritten` threw: a caller's bug, reported as is rather than retried as a network failure. */
  callbackError: unknown;

  constructor(
    private readonly fh: FileHandle,
    private readonly options: PartWriterOptions,
  ) {
    super({ highWaterMark: WRITE_BATCH_BYTES });
    this.position = options.position;
    this.flushedAt = options.position;
    // A resumed `.part` was sniffed when it was inspected (see inspectPart).
    this.sniffed = !options.sniff;
  }

  /** Bytes [0, written) of the file are on disk. */
  get written(): number {
    return this.position;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.accept([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.accept(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The whole body was shorter than an MP4 header.
    if (!this.sniffed) return callback(this.notVideo());
    this.writeBatch().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }

  private accept(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.failure !== undefined) return callback(this.failure as Error);
    let ready: Buffer[];
    try {
      ready = this.sniff(buffers);
    } catch (err) {
      return callback(err as Error);
    }
    for (const buffer of ready) {
      this.batch.push(buffer);
      this.batchBytes += buffer.length;
    }
    if (this.batchBytes >= WRITE_BATCH_BYTES) {
      // Accept nothing more until this batch is on disk: that is the back-pressure.
      this.writeBatch().then(() => callback(), callback);
      return;
    }
    if (this.batchBytes > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => void this.writeBatch().catch(() => undefined), WRITE_DELAY_MS);
      this.timer.unref();
    }
    callback();
  }

  /** Until the first 8 bytes are in, holds chunks back; then checks them once and lets everything through. */
  private sniff(buffers: Buffer[]): Buffer[] {
    if (this.sniffed) return buffers;
    this.held.push(...buffers);
    // A few more bytes than the sniff needs, so the error can show what the body was.
    this.head = Buffer.concat(this.held, Math.min(2 * SNIFF_BYTES, byteLength(this.held)));
    if (this.head.length < SNIFF_BYTES) return [];
    if (!looksLikeMp4(this.head)) throw this.notVideo();
    this.sniffed = true;
    const ready = this.held;
    this.held = [];
    return ready;
  }

  /** Queues the current batch for writing; resolves when it (and every write before it) is on disk. */
  private writeBatch(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const buffers = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (buffers.length > 0) {
      this.writes = this.writes.then(() => this.writeOut(buffers));
      this.writes.catch((err: unknown) => {
        this.failure ??= err;
      });
    }
    return this.writes;
  }

  private async writeOut(buffers: Buffer[]): Promise<void> {
    await this.writeAll(buffers);
    this.flushInBackground();
    try {
      this.options.onWritten(this.position);
    } catch (err) {
      this.callbackError = err;
      throw err;
    }
  }

  /** `writev` may write less than asked (IOV_MAX, a full disk): continue from where it stopped. */
  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      let written: number;
      try {
        ({ bytesWritten: written } = await this.fh.writev(pending, this.position));
      } catch (err) {
        throw diskError(`cannot write ${this.options.path}`, err);
      }
      if (written === 0) throw diskError(`cannot write ${this.options.path}`, new Error('no bytes written'));
      this.position += written;
      pending = dropBytes(pending, written);
    }
  }

  /** At most one flush in flight, so a slow disk never ties up more than one libuv thread. */
  private flushInBackground(): void {
    if (this.flushing || this.position - this.flushedAt < FLUSH_EVERY_BYTES) return;
    this.flushing = true;
    this.flushedAt = this.position;
    this.fh.datasync().then(
      () => (this.flushing = false),
      (err: unknown) => {
        this.flushing = false;
        this.failure ??= diskError(`cannot flush ${this.options.path}`, err);
      },
    );
  }

  private notVideo(): DownloadError {
    const type = this.options.contentType ? `Content-Type ${this.options.contentType}` : 'no Content-Type';
    return new DownloadError(
      'not-video',
      `the server at ${this.options.host} sent ${describeHead(this.head)} (${type}), not an MP4 video; nothing was saved`,
      this.options.host,
    );
  }
}

function byteLength(buffers: Buffer[]): number {
  return buffers.reduce((sum, b) => sum + b.length, 0);
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && count >= buffers[i]!.length) count -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (count > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(count);
  return rest;
}
