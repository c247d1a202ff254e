import type { Readable } from 'node:stream';

/** Above this many queued bytes the socket is paused: the back-pressure that keeps memory flat. */
const HIGH_WATER = 4 << 20;

/**
 * Takes a response body's chunks the moment they arrive, so that what already arrived survives
 * when the connection then fails. `for await` over a stream reads its buffer lazily, and a stream
 * destroyed by a reset or an early close drops that buffer; listening to 'data' from the start
 * (call this as soon as the response is there, before any other await) keeps every byte received,
 * and the resume asks only for the rest.
 */
export function bodyChunks(body: Readable): AsyncIterableIterator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let done = body.readableEnded || body.destroyed;
  let failure: unknown = body.errored ?? undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued > HIGH_WATER) body.pause();
    notify();
  };
  const onEnd = () => {
    done = true;
    notify();
  };
  const onError = (err: unknown) => {
    failure ??= err;
    done = true;
    notify();
  };
  const detach = () => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onEnd);
  };
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  body.on('close', onEnd);

  const iterator: AsyncIterableIterator<Buffer> = {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.length;
          if (queued <= HIGH_WATER / 2 && body.isPaused() && !done) body.resume();
          return { value: chunk, done: false };
        }
        if (done) {
          detach();
          if (failure !== undefined) {
            const err = failure;
            failure = undefined;
            throw err;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<Buffer>> {
      detach();
      // Stop the socket: the caller gave up on this body.
      if (!done) body.destroy();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
