import { createHash } from 'node:crypto';

/**
 * The idempotency key of a batch line without an explicit `key`: a hash of the batch file (its
 * absolute path, or `stdin`), what the line asks for (see requestIdentity: the request, and the
 * content of a local audio file) and which occurrence of that request it is in the file. Not its
 * line number: adding a comment or a line above it after a crash must not make it a new task. Two
 * identical lines are two videos (their occurrences differ); editing a line makes it a new one.
 */
export function lineKey(source: string, identity: string, occurrence: number): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([source, identity, occurrence]))
    .digest('hex');
  return `batch-${digest.slice(0, 32)}`;
}
