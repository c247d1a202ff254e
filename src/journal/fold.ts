import type { IntentRecord, JournalRecord } from './records.js';

/** Everything the journal knows about one create, folded from all records sharing its intent id. */
export interface TaskEntry {
  /** The local intent id. */
  id: string;
  intent: IntentRecord;
  taskId?: string;
  requestId?: string;
  /** Last known DashScope task status (`PENDING`, `RUNNING`, `SUCCEEDED`, …). */
  status?: string;
  code?: string;
  message?: string;
  endTime?: string;
  videoExpiresAt?: string;
  download?: { file: string; bytes: number; sha256: string; at: string };
  /** Its video was not saved because the file was another video's; said once. */
  blocked?: { file: string; reason: string };
  createFailed?: { certain: boolean; code?: string; message: string };
  /** Intent written, no task id and no certain failure: the process may have died during the POST. */
  orphan: boolean;
  /** The latest `at` among the entry's records. */
  updatedAt: string;
}

/** States after which a task can produce no video. `SUCCEEDED` is not here: it may still need a download. */
const DEAD_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'CANCELED', 'UNKNOWN']);
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

/**
 * Folds records, in file order, into one entry per intent, ordered by where each intent appears
 * (oldest first). Pure: the same records always give the same entries.
 *
 * Records whose intent is absent are dropped: the intent is fsync'd before the create request
 * is sent, so such a record can only come from a damaged file, and an entry needs its intent.
 */
export function foldRecords(records: Iterable<JournalRecord>): TaskEntry[] {
  const entries = new Map<string, TaskEntry>();
  for (const record of records) {
    if (record.type === 'intent') {
      // The first intent wins: ids are UUIDs, so a repeat is a duplicated line, not a new task.
      if (!entries.has(record.id))
        entries.set(record.id, { id: record.id, intent: record, orphan: false, updatedAt: record.at });
      continue;
    }
    const entry = entries.get(record.id);
    if (!entry) continue;
    if (record.at > entry.updatedAt) entry.updatedAt = record.at;
    switch (record.type) {
      case 'created':
        entry.taskId ??= record.taskId;
        entry.requestId ??= record.requestId;
        break;
      case 'create-failed':
        entry.createFailed = {
          certain: record.certain,
          message: record.message,
          ...(record.code !== undefined && { code: record.code }),
        };
        entry.requestId ??= record.requestId;
        break;
      case 'status':
        entry.taskId ??= record.taskId;
        applyStatus(entry, record);
        break;
      case 'downloaded':
        entry.taskId ??= record.taskId;
        entry.download = { file: record.file, bytes: record.bytes, sha256: record.sha256, at: record.at };
        break;
      case 'download-blocked':
        entry.taskId ??= record.taskId;
        entry.blocked = { file: record.file, reason: record.reason };
        break;
    }
  }
  const result = [...entries.values()];
  for (const entry of result) entry.orphan = entry.taskId === undefined && entry.createFailed?.certain !== true;
  return result;
}

/** True for an entry that has a task which may still yield a video not yet on disk. */
export function isPending(entry: TaskEntry): boolean {
  return (
    entry.taskId !== undefined &&
    entry.download === undefined &&
    entry.blocked === undefined &&
    !(entry.status !== undefined && DEAD_STATUSES.has(entry.status))
  );
}

function applyStatus(entry: TaskEntry, record: Extract<JournalRecord, { type: 'status' }>): void {
  // Two processes may watch the same task; a slow poller's RUNNING written after another's
  // SUCCEEDED must not bring the task back to life.
  if (entry.status !== undefined && TERMINAL_STATUSES.has(entry.status) && !TERMINAL_STATUSES.has(record.status))
    return;
  entry.status = record.status;
  // code/message describe this status, so they are replaced; the times only ever become known.
  entry.code = record.code;
  entry.message = record.message;
  if (entry.code === undefined) delete entry.code;
  if (entry.message === undefined) delete entry.message;
  if (record.endTime !== undefined) entry.endTime = record.endTime;
  if (record.videoExpiresAt !== undefined) entry.videoExpiresAt = record.videoExpiresAt;
}
