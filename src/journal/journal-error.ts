import { WanError } from '../api/errors/wan-error.js';

/**
 * - `state-dir`: the state directory cannot be created.
 * - `write`: the journal file cannot be opened, written or synced (permissions, full disk, read-only).
 * - `secret`: a record contained something that looks like an API key; nothing was written.
 * - `too-large`: a record stays over the atomic-append limit even after truncating its long text.
 */
export type JournalFailure = 'state-dir' | 'write' | 'secret' | 'too-large';

/**
 * The task journal could not be written. Nothing was recorded, so a caller about to send a create
 * request must not send it: the task would be paid for and could be lost.
 * `path` is the directory or file concerned; the message says what to do.
 */
export class JournalError extends WanError {
  override readonly name = 'JournalError';
  constructor(
    readonly kind: JournalFailure,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
