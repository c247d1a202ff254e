import type { FileHandle } from 'node:fs/promises';
import type { BodyChunks } from './body-chunks.js';
import type { FileDigest } from './file-digest.js';
import { looksLikeMp4, SNIFF_BYTES } from './mp4-sniff.js';
import { diskError } from './part-file.js';

/**
 * What arrives while a write is with the disk waits in memory up to this much, then the body is
 * no longer read (and soon not the socket either: see body-chunks.ts): memory stays flat at any
 * file size.
 * Whatever has gathered when the disk is free goes in one writev, so a fast link makes few
 * large writes and a slow one writes each chunk as it comes.
 */
const QUEUE_BYTES = 1 << 20;

export interface BodyTarget {
  /** The `.part`, open for writing; the caller closes it after `receiveBody` settles. */
  fh: FileHandle;
  /** For messages. */
  path: string;
  /** File position of the body's first byte (the resume offset). */
  start: number;
  /** The body must not reach past this file position (exclusive), when the response said where it ends. */
  end: number | undefined;
  /** Check the first bytes for an MP4 header (a body written from byte 0); none is written before. */
  sniff: boolean;
  digest: FileDigest;
  /** Bytes [0, position) are on disk. What it throws ends the download as is. */
  onWritten(position: number): void;
  /** The error for a body that does not start like an MP4. */
  notVideo(head: Buffer): Error;
}

export interface Received {
  /** Bytes [0, written) of the file are on disk: every byte received, whatever ended the body. */
  written: number;
  /** What cut the body short (a network error, a stall, an abort), when something did. */
  failure?: unknown;
  /** The body went on past `end`; the extra bytes were not written. */
  overrun: boolean;
}

/**
 * Streams `body` into the `.part` from `target.start`, hashing each chunk on its way to the disk.
 * A failure of the body is returned (the attempt may be retried); a disk failure, a body that is
 * not an MP4, and what `onWritten` throws are thrown.
 */
export async function receiveBody(body: BodyChunks, target: BodyTarget): Promise<Received> {
  const sink = new PartSink(target);
  const chunks = body[Symbol.asyncIterator]();
  let head: Buffer[] | undefined = target.sniff ? [] : undefined;
  let failure: unknown;
  let overrun = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        failure = err;
        break;
      }
      if (next.done) break;
      let chunk = next.value;
      const room = target.end === undefined ? Number.POSITIVE_INFINITY : target.end - sink.issued;
      if (chunk.length > room) {
        overrun = true;
        chunk = chunk.subarray(0, room);
      }
      if (head) {
        head.push(chunk);
        if (byteLength(head) >= SNIFF_BYTES) {
          chunk = Buffer.concat(head);
          head = undefined;
          if (!looksLikeMp4(chunk)) throw target.notVideo(chunk);
          await sink.push(chunk);
        }
      } else {
        await sink.push(chunk);
      }
      if (overrun) break;
    }
    // An error page shorter than an MP4 header, ended cleanly, is still not a video.
    if (head && failure === undefined && !overrun) throw target.notVideo(Buffer.concat(head));
    await sink.finish();
  } finally {
    // Stops the body if we did not read it to the end (undici then closes the connection), and
    // lets a write in flight land before the caller closes the file.
    await chunks.return?.().catch(() => undefined);
    await sink.settle();
  }
  return { written: sink.written, overrun, ...(failure !== undefined ? { failure } : {}) };
}

/** Positioned writes of the body's chunks, one writev at a time, each chunk hashed as it is queued. */
class PartSink {
  /** Bytes [0, written) are on disk. */
  written: number;
  /** Where the next queued byte goes. */
  issued: number;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private stopped = false;

  constructor(private readonly target: BodyTarget) {
    this.written = target.start;
    this.issued = target.start;
  }

  /** Queues `chunk`; resolves when there is room for more. Throws what a write (or onWritten) threw. */
  async push(chunk: Buffer): Promise<void> {
    this.check();
    if (chunk.length === 0) return;
    // Hashed now, while the disk may be busy with the previous write. Should a write fail, the
    // digest runs ahead of the file, but a failed write ends the download (a disk error).
    this.target.digest.update(chunk);
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.issued += chunk.length;
    this.pump();
    while (this.queued >= QUEUE_BYTES && this.writing) await this.writing;
    this.check();
  }

  /** Writes everything queued. */
  async finish(): Promise<void> {
    while (this.writing) await this.writing;
    this.check();
  }

  /** Waits for the write in flight and starts no other. Never throws. */
  async settle(): Promise<void> {
    this.stopped = true;
    while (this.writing) await this.writing;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private pump(): void {
    if (this.writing || this.queued === 0 || this.failure !== undefined || this.stopped) return;
    const batch = this.queue;
    const at = this.written;
    const end = at + this.queued;
    this.queue = [];
    this.queued = 0;
    this.writing = writeAll(this.target.fh, batch, at).then(
      () => {
        this.written = end;
        this.writing = undefined;
        try {
          this.target.onWritten(end);
        } catch (err) {
          this.failure = err;
          return;
        }
        this.pump();
      },
      (err: unknown) => {
        this.writing = undefined;
        this.failure = diskError(`cannot write ${this.target.path}`, err);
      },
    );
  }
}

/** `writev` may write less than asked (a full disk): go on from where it stopped. */
async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, position);
    if (bytesWritten === 0) throw new Error('no bytes written');
    position += bytesWritten;
    let skip = bytesWritten;
    while (rest.length > 0 && skip >= rest[0]!.length) {
      skip -= rest[0]!.length;
      rest = rest.slice(1);
    }
    if (skip > 0) rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
  }
}

function byteLength(buffers: Buffer[]): number {
  return buffers.reduce((sum, b) => sum + b.length, 0);
}
