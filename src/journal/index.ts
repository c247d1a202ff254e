/**
 * The local task journal: every task `wan` creates, recorded before it is paid for, so none is
 * lost or created twice. See `Journal`.
 */
export { Journal, JOURNAL_FILE, type JournalOptions } from './journal.js';
export { JournalError, type JournalFailure } from './journal-error.js';
export { requestHash } from './request-hash.js';
export { foldRecords, isPending, type TaskEntry } from './fold.js';
export { MAX_LINE_BYTES, TRUNCATED_TEXT_CHARS } from './serialize.js';
export {
  journalRecordSchema,
  type JournalRecord,
  type JournalRecordInput,
  type IntentRecord,
  type CreatedRecord,
  type CreateFailedRecord,
  type StatusRecord,
  type DownloadedRecord,
} from './records.js';
