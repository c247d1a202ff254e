import type { FileHandle } from 'node:fs/promises';
import { DownloadError } from '../errors/download-error.js';
import { BLOCK } from './direct-io.js';
import { describeHead, looksLikeMp4, SNIFF_BYTES } from './mp4-sniff.js';
import { diskError } from './part-file.js';

/**
 * Through the page cache, start flushing to the device every this many bytes. Left alone, the
 * kernel may keep a whole 1 GiB video in dirty pages, and the fsync before the rename then stalls
 * for most of a second; flushing as we go keeps it short. Each flush also holds up the writes for
 * a moment: on a 2-core VM, 1 GiB from loopback took 3.1-4.0 s flushing every 256 MiB, 4.4-5.5 s
 * every 64 MiB, 4.2-4.9 s never. Direct writes (direct-io.ts) need none of this.
 */
const FLUSH_EVERY_BYTES = 256 << 20;

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
  /** Each piece of the file as it lands, in order (for the running digest). */
  hash(view: Buffer): void;
  /** A view passed to `write` is no longer needed (written, or dropped): its memory may be reused. */
  release(view: Buffer): void;
  /**
   * `fh` was opened with O_DIRECT: whole blocks from block-aligned memory (`aligned`) go through
   * it; the rest (a body's last partial block, any view in other memory) through `buffered`, a
   * second handle on the same file opened on first use.
   */
  direct?: { aligned(view: Buffer): boolean; buffered(): Promise<FileHandle> };
}

/**
 * Writes a body into the `.part` at explicit positions through a FileHandle that the caller owns
 * (so it can close it whatever happened). The caller awaits each `write`; the body keeps arriving
 * into its slabs meanwhile (see slab-body.ts), which hand over up to 1 MiB at a time, so each
 * write is large and memory stays at a few slabs at any file size.
 */
export class PartWriter {
  private position: number;
  /** The first bytes of the file, collected until there are enough to sniff. */
  private head = Buffer.alloc(0);
  private sniffed: boolean;
  /** Views held back until the first 8 bytes have been seen: nothing is written before the sniff. */
  private held: Buffer[] = [];
  private failure: unknown;
  private flushedAt: number;
  private flushing = false;
  /** A direct write was refused (EINVAL): the rest goes through the page cache. */
  private directFailed = false;

  /** What `onWritten` threw: a caller's bug, reported as is rather than retried as a network failure. */
  callbackError: unknown;

  constructor(
    private readonly fh: FileHandle,
    private readonly options: PartWriterOptions,
  ) {
    this.position = options.position;
    this.flushedAt = options.position;
    // A resumed `.part` was sniffed when it was inspected (see inspectPart).
    this.sniffed = !options.sniff;
  }

  /** Bytes [0, written) of the file are on disk. */
  get written(): number {
    return this.position;
  }

  /** Writes the next piece of the body; resolves when it is on disk. Throws DownloadError 'not-video' or 'disk'. */
  async write(view: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const views = this.sniff(view);
    if (views.length === 0) return;
    try {
      await this.writeAll(views);
      for (const done of views) this.options.hash(done);
    } finally {
      for (const done of views) this.options.release(done);
    }
    this.flushInBackground();
    try {
      this.options.onWritten(this.position);
    } catch (err) {
      this.callbackError = err;
      throw err;
    }
  }

  /** The body ended. Throws when it was shorter than an MP4 header, or a background flush failed. */
  end(): void {
    if (!this.sniffed) throw this.notVideo();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Gives back views held for the sniff and never written. */
  dispose(): void {
    for (const view of this.held) this.options.release(view);
    this.held = [];
  }

  /** Until the first 8 bytes are in, holds views back; then checks them once and lets everything through. */
  private sniff(view: Buffer): Buffer[] {
    if (this.sniffed) return [view];
    this.held.push(view);
    // A few more bytes than the sniff needs, so the error can show what the body was.
    this.head = Buffer.concat(this.held, Math.min(2 * SNIFF_BYTES, byteLength(this.held)));
    if (this.head.length < SNIFF_BYTES) return [];
    if (!looksLikeMp4(this.head)) throw this.notVideo();
    this.sniffed = true;
    const ready = this.held;
    this.held = [];
    return ready;
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    if (!this.options.direct) return this.writeThrough(this.fh, buffers);
    for (const view of buffers) await this.writeDirect(view, this.options.direct);
  }

  /** The whole blocks of `view` with O_DIRECT when they can be; everything else through the page cache. */
  private async writeDirect(view: Buffer, direct: NonNullable<PartWriterOptions['direct']>): Promise<void> {
    const whole = this.position % BLOCK === 0 && direct.aligned(view) ? view.length - (view.length % BLOCK) : 0;
    if (whole > 0 && !this.directFailed) {
      try {
        await this.writeThrough(this.fh, [view.subarray(0, whole)]);
        view = view.subarray(whole);
      } catch (err) {
        // A filesystem that accepted O_DIRECT at open but not this write: the page cache from here on.
        if (!(err instanceof DownloadError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EINVAL')) throw err;
        this.directFailed = true;
      }
    }
    if (view.length > 0) {
      const buffered = await direct.buffered().catch((err: unknown) => {
        throw diskError(`cannot open ${this.options.path}`, err);
      });
      await this.writeThrough(buffered, [view]);
    }
  }

  /** `writev` may write less than asked (a full disk): continue from where it stopped. */
  private async writeThrough(fh: FileHandle, buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      let written: number;
      try {
        ({ bytesWritten: written } = await fh.writev(pending, this.position));
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
    if ((this.options.direct && !this.directFailed) || this.flushing || this.position - this.flushedAt < FLUSH_EVERY_BYTES) return;
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
