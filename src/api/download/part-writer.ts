import type { FileHandle } from 'node:fs/promises';
import { DownloadError } from '../errors/download-error.js';
import { BLOCK } from './direct-io.js';
import { describeHead, looksLikeMp4, SNIFF_BYTES } from './mp4-sniff.js';
import { diskError } from './part-file.js';

/**
 * Through the page cache (where O_DIRECT is not used), start flushing the `.part` to the device
 * every this many bytes, in the background. Left alone, the kernel may keep a whole 1 GiB video in
 * dirty pages and the fsync before the rename then writes it all out while we wait; flushed as it
 * arrives, the disk works while the network does. On a 2-core VM, 1 GiB from loopback, durable:
 * 64 MiB 2.3 s (median of 10), 128 MiB 2.3 s, 32 MiB 2.6 s. Direct writes need none of this.
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
  /** Each piece of the file as it is handed to the disk, in order (for the running digest). */
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
 * Writes at once. While one write is with the disk, the next view is hashed and handed over, so
 * the CRC and the disk work at the same time; more than two bought nothing on a 2-core VM, and
 * each one holds a slab. (Synchronous writes on this thread, as curl does them, were 10 % faster
 * when the page cache was cheap and 60 % slower when it cost three times the system time, which
 * then fell on the thread that receives and hashes.)
 */
const MAX_IN_FLIGHT = 2;

/** A write handed to the disk; `done` settles (never rejects) once it is counted. */
interface Pending {
  view: Buffer;
  end: number;
  outcome: 'writing' | 'landed' | 'failed';
  error?: unknown;
  done: Promise<void>;
}

/**
 * Writes a body into the `.part` at explicit positions through a FileHandle that the caller owns
 * (so it can close it whatever happened). The body keeps arriving into its slabs meanwhile (see
 * slab-body.ts), which hand over up to 1 MiB at a time, so each write is large and memory stays at
 * a few slabs at any file size. Up to MAX_IN_FLIGHT writes run at once; `written` only counts a
 * write once every one before it has landed, and `close` cuts off anything a failed write left
 * beyond that, so the `.part` always holds exactly the bytes it says.
 */
export class PartWriter {
  /** Bytes [0, position) of the file are on disk. */
  private position: number;
  /** Where the next write goes. */
  private issued: number;
  private pending: Pending[] = [];
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
    this.issued = options.position;
    this.flushedAt = options.position;
    // A resumed `.part` was sniffed when it was inspected (see inspectPart).
    this.sniffed = !options.sniff;
  }

  /** Bytes [0, written) of the file are on disk. */
  get written(): number {
    return this.position;
  }

  /**
   * Hands the next piece of the body to the disk, and hashes it while it is written. Resolves when
   * another may be handed over. Throws DownloadError 'not-video' or 'disk', or what onWritten threw.
   */
  async write(view: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    for (const ready of this.sniff(view)) this.issue(ready);
    while (this.pending.length >= MAX_IN_FLIGHT && this.failure === undefined) await this.pending[0]!.done;
    if (this.failure !== undefined) throw this.failure;
  }

  /** The body ended: waits for every write. Throws when it was shorter than an MP4 header, or a write or flush failed. */
  async finish(): Promise<void> {
    while (this.pending.length > 0) await this.pending[0]!.done;
    if (this.failure !== undefined) throw this.failure;
    if (!this.sniffed) throw this.notVideo();
  }

  /**
   * Whatever happened (call before closing the handles): lets writes still in flight land (after
   * a network failure they still count), gives back every view, and truncates the file to
   * `written` when a failed write left later bytes beyond a gap. Throws a disk error if it cannot.
   */
  async close(): Promise<void> {
    while (this.pending.length > 0) await this.pending[0]!.done;
    for (const view of this.held) this.options.release(view);
    this.held = [];
    if (this.issued > this.position) {
      await this.fh.truncate(this.position).catch((err: unknown) => {
        throw diskError(`cannot truncate ${this.options.path}`, err);
      });
      this.issued = this.position;
    }
  }

  private issue(view: Buffer): void {
    const at = this.issued;
    this.issued += view.length;
    const entry: Pending = { view, end: this.issued, outcome: 'writing', done: Promise.resolve() };
    entry.done = this.writeAt(view, at)
      .then(
        () => void (entry.outcome = 'landed'),
        (err: unknown) => {
          entry.outcome = 'failed';
          entry.error = err ?? new Error('write failed');
        },
      )
      .then(() => this.count());
    this.pending.push(entry);
    // Hashed while the disk takes it. Should the write fail, the digest is ahead of the file, and
    // the next attempt's catchUp (running-digest.ts) starts it over from the disk.
    this.options.hash(view);
  }

  /**
   * Counts the writes that have landed, oldest first, up to one still being written: the moment a
   * write lands its bytes show in progress. After the first failure nothing more counts.
   */
  private count(): void {
    while (this.pending.length > 0 && this.pending[0]!.outcome !== 'writing') {
      const oldest = this.pending.shift()!;
      this.options.release(oldest.view);
      if (this.failure !== undefined) continue;
      if (oldest.outcome === 'failed') {
        this.failure = oldest.error;
        continue;
      }
      this.position = oldest.end;
      this.flushInBackground();
      try {
        this.options.onWritten(this.position);
      } catch (err) {
        this.callbackError = err;
        this.failure = err;
      }
    }
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

  /**
   * `view` at file position `at`. Written direct: its whole blocks through the O_DIRECT handle when
   * they can be, everything else through the page cache.
   */
  private async writeAt(view: Buffer, at: number): Promise<void> {
    const direct = this.options.direct;
    if (!direct) return this.writeThrough(this.fh, view, at);
    const whole = at % BLOCK === 0 && direct.aligned(view) ? view.length - (view.length % BLOCK) : 0;
    if (whole > 0 && !this.directFailed) {
      try {
        await this.writeThrough(this.fh, view.subarray(0, whole), at);
        view = view.subarray(whole);
        at += whole;
      } catch (err) {
        // A filesystem that accepted O_DIRECT at open but not this write: the page cache from here on.
        if (!(err instanceof DownloadError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EINVAL'))
          throw err;
        this.directFailed = true;
      }
    }
    if (view.length > 0) {
      const buffered = await direct.buffered().catch((err: unknown) => {
        throw diskError(`cannot open ${this.options.path}`, err);
      });
      await this.writeThrough(buffered, view, at);
    }
  }

  /** `writev` may write less than asked (a full disk): continue from where it stopped. */
  private async writeThrough(fh: FileHandle, view: Buffer, at: number): Promise<void> {
    while (view.length > 0) {
      let written: number;
      try {
        ({ bytesWritten: written } = await fh.writev([view], at));
      } catch (err) {
        throw diskError(`cannot write ${this.options.path}`, err);
      }
      if (written === 0) throw diskError(`cannot write ${this.options.path}`, new Error('no bytes written'));
      at += written;
      view = view.subarray(written);
    }
  }

  /** At most one flush in flight, so a slow disk never ties up more than one libuv thread. */
  private flushInBackground(): void {
    if (
      (this.options.direct && !this.directFailed) ||
      this.flushing ||
      this.position - this.flushedAt < FLUSH_EVERY_BYTES
    )
      return;
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
