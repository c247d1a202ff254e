/**
 * Reads a stream (stdin) whole, refusing more than `limit` bytes: a prompt or a batch is text of a
 * known size, and anything larger is a mistake to stop before it fills memory.
 */
export async function readLimited(
  stream: NodeJS.ReadableStream,
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) throw tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
