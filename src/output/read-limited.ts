import { AbortedError } from '../api/errors/aborted-error.js';

/**
 * Reads a stream (stdin) whole, refusing more than `limit` bytes: a prompt or a batch is text of a
 * known size, and anything larger is a mistake to stop before it fills memory. Ctrl-C stops it.
 */
export async function readLimited(
  stream: NodeJS.ReadableStream,
  limit: number,
  signal: AbortSignal,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new AbortedError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) break;
      const buf = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
      size += buf.length;
      if (size > limit) throw tooLarge();
      chunks.push(buf);
    }
  } finally {
    // Stops reading (a pipe that never ends, /dev/zero) instead of draining it.
    void iterator.return?.();
  }
  return Buffer.concat(chunks);
}
