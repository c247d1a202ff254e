import { JournalError } from './journal-error.js';
import { type JournalRecord, journalRecordSchema } from './records.js';

/**
 * The largest line we append. Linux keeps one write(2) to a local O_APPEND file whole against
 * other appenders whatever its size (the inode lock is held for the whole write), but a single
 * huge write can still come back short (signal, nearly full disk) and need a second call, which
 * another process could slip between. Keeping lines small makes that practically impossible and
 * keeps the journal fast to read.
 */
export const MAX_LINE_BYTES = 64 * 1024;
/** What a prompt (and negative prompt, and a service message) is cut to when a line is too big. */
export const TRUNCATED_TEXT_CHARS = 8_000;

/** Defence in depth: DashScope keys look like `sk-` + alphanumerics; none may reach the disk. */
const KEY_LIKE = /\bsk-[A-Za-z0-9]{8,}/;

/**
 * Checks a record against its schema and turns it into one journal line, newline included.
 * Throws a `TypeError` for a malformed record (a bug in the caller) and a `JournalError` for a
 * key-looking string (`secret`) or a line that cannot be made small enough (`too-large`).
 */
export function serializeRecord(input: JournalRecord, file: string): string {
  const parsed = journalRecordSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`invalid ${String(input.type)} journal record: ${parsed.error.message}`);
  const record = parsed.data;
  let line = JSON.stringify(record);
  // Checked on the full record, before any truncation could hide it, and never echoed.
  if (KEY_LIKE.test(line)) {
    throw new JournalError(
      'secret',
      file,
      `Refused to write a ${record.type} record to ${file}: it contains text that looks like an API key (sk-…). wan never stores keys; remove the key from the prompt, options or output path.`,
    );
  }
  if (Buffer.byteLength(line) + 2 > MAX_LINE_BYTES) {
    line = JSON.stringify(shrink(record));
    if (Buffer.byteLength(line) + 2 > MAX_LINE_BYTES) {
      throw new JournalError(
        'too-large',
        file,
        `Refused to write a ${record.type} record of ${Buffer.byteLength(line)} bytes to ${file}, even after cutting its text to ${TRUNCATED_TEXT_CHARS} characters: a journal line must stay under ${MAX_LINE_BYTES} bytes. Shorten the request's parameters or output path.`,
      );
    }
  }
  return `${line}\n`;
}

/** The long free-text fields cut down; an intent is marked so nobody re-sends its stored prompt as if whole. */
function shrink(record: JournalRecord): JournalRecord {
  switch (record.type) {
    case 'intent': {
      const { negativePrompt, ...rest } = record;
      return {
        ...rest,
        prompt: cut(record.prompt),
        promptTruncated: true,
        ...(negativePrompt !== undefined && { negativePrompt: cut(negativePrompt) }),
      };
    }
    case 'status':
      return record.message === undefined ? record : { ...record, message: cut(record.message) };
    case 'create-failed':
      return { ...record, message: cut(record.message) };
    default:
      return record;
  }
}

/** Cuts to at most `TRUNCATED_TEXT_CHARS` UTF-16 units without splitting a surrogate pair. */
function cut(text: string): string {
  if (text.length <= TRUNCATED_TEXT_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[TRUNCATED_TEXT_CHARS - 1] ?? '')
    ? TRUNCATED_TEXT_CHARS - 1
    : TRUNCATED_TEXT_CHARS;
  return text.slice(0, end);
}
