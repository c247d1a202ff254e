import type { Readable } from 'node:stream';

/** Arrived but not yet taken: above this the stream is paused (and undici stops reading the socket). */
const PAUSE_BYTES = 1 << 20;

/**
 * A response body's chunks, kept from the moment the head arrives. undici destroys the body
 * stream when the connection fails, and a destroyed stream drops what it had buffered, so a body
 * read with `for await` loses the bytes that came in the same burst as a reset. Listening to
 * 'data' from the start keeps every byte that arrived; the failure is reported after them.
 */
export class BodyChunks implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= PAUSE_BYTES) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (err: unknown) => {
      this.failure ??= err;
      this.notify();
    });
    stream.on('close', () => {
      // Closed without 'end' and without an error: destroyed from outside, the body is not whole.
      if (!this.ended) this.failure ??= new Error('connection closed before the body ended');
      this.notify();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) {
          this.buffered -= chunk.length;
          if (this.stream.isPaused() && this.buffered < PAUSE_BYTES / 2) this.stream.resume();
          yield chunk;
        } else if (this.failure !== undefined) {
          throw this.failure;
        } else if (this.ended) {
          return;
        } else {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      }
    } finally {
      this.destroy();
    }
  }

  /** Stops the body (undici closes the connection); nothing more is kept. */
  destroy(): void {
    this.chunks.length = 0;
    this.buffered = 0;
    if (!this.stream.destroyed) this.stream.destroy();
  }

  /** Up to `limit` bytes of the body as text (an error document), then the rest is dropped. */
  async text(limit = 64 * 1024): Promise<string> {
    const kept: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this) {
        kept.push(chunk);
        size += chunk.length;
        if (size >= limit) break;
      }
    } catch {
      // what arrived is enough
    }
    return Buffer.concat(kept).subarray(0, limit).toString('utf8');
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
