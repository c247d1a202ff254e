import type { IncomingMessage } from 'node:http';

/** The request body, or undefined if it is longer than `limit` bytes (the rest is drained, not kept). */
export function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.once('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks, length)));
    req.once('error', reject);
  });
}

/** The request body as UTF-8, or undefined if it is longer than `limit` bytes (the rest is drained). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return (await readBodyBytes(req, limit))?.toString('utf8');
}
