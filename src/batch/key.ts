import { createHash } from 'node:crypto';
import { requestHash } from '../journal/index.js';

/**
 * The idempotency key of a batch line without an explicit `key`: a hash of where the line is
 * (the batch file's absolute path, or `stdin`, and the line number) and what it asks for (the
 * canonical request body, plus the local audio file, whose upload URL changes on every upload).
 * Running the same batch again gives the same keys, so the journal finds the tasks it already
 * paid for; editing a line gives it a new key, and so a new task.
 */
export function lineKey(source: string, line: number, body: unknown, audioFile?: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([source, line, requestHash(body), audioFile ?? null]))
    .digest('hex');
  return `batch-${digest.slice(0, 32)}`;
}
