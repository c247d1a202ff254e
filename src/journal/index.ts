/**
 * The local task journal: every task `wan` creates, recorded before it is paid for, so none is
 * lost or created twice. See `Journal`.
 */

export { foldRecords, isPending, type TaskEntry } from './fold.js';
export { JOURNAL_FILE, Journal, type JournalOptions } from './journal.js';
export { JournalError, type JournalFailure } from './journal-error.js';
export {
  type CreatedRecord,
  type CreateFailedRecord,
  type DownloadedRecord,
  type IntentRecord,
  type JournalRecord,
  type JournalRecordInput,
  journalRecordSchema,
  type StatusRecord,
} from './records.js';
export { requestHash } from './request-hash.js';
export { MAX_LINE_BYTES, TRUNCATED_TEXT_CHARS } from './serialize.js';
