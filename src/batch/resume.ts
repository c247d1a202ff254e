import { lstat } from 'node:fs/promises';
import type { TaskEntry } from '../journal/index.js';
import { alreadySaved } from '../tasks/save-video.js';
import type { PlannedLine } from './plan.js';

/** What a re-run does with a line, from the journal and the disk. */
export type LineStart =
  /** Its video is on disk, as the journal (or the sidecar) recorded it: nothing to do. */
  | { kind: 'done'; entry: TaskEntry; bytes: number; sha256: string; recordDownload: boolean }
  /** Its task exists (running, or finished and not saved yet): wait for it, create nothing. */
  | { kind: 'adopt'; entry: TaskEntry }
  /** An earlier run died during its create: the service may have the task. */
  | { kind: 'orphan'; entry: TaskEntry }
  | { kind: 'new' }
  /** Its file exists and is not this line's video: left alone, nothing is paid for (--force replaces it). */
  | { kind: 'exists' }
  /** Its explicit key was used for another request: refused before anything is sent. */
  | { kind: 'conflict'; entry: TaskEntry };

const DEAD = new Set(['FAILED', 'CANCELED', 'UNKNOWN']);

/**
 * Decides each line's start, by its key in the journal (a line is its content, not its position).
 * A line whose task exists keeps the file it was meant for then, so editing the batch's other
 * lines (which renumbers default names) never moves or re-creates its video.
 */
export async function resumeStates(
  lines: PlannedLine[],
  entries: TaskEntry[],
  force: boolean,
): Promise<Map<number, LineStart>> {
  const byKey = new Map<string, TaskEntry>();
  // Oldest first, so the newest entry for a key wins.
  for (const entry of entries) if (entry.intent.idempotencyKey) byKey.set(entry.intent.idempotencyKey, entry);
  const states = new Map<number, LineStart>();
  for (const line of lines) {
    const entry = byKey.get(line.key);
    if (entry?.taskId && entry.intent.output) line.file = entry.intent.output;
    states.set(line.line, await startOf(line, entry, force));
  }
  return states;
}

async function startOf(line: PlannedLine, entry: TaskEntry | undefined, force: boolean): Promise<LineStart> {
  if (entry && entry.intent.requestHash !== line.identity) return { kind: 'conflict', entry };
  const live = entry?.taskId !== undefined && !(entry.status && DEAD.has(entry.status));
  if (entry?.taskId && (live || entry.download)) {
    const saved = await alreadySaved(line.file, entry.taskId, entry);
    if (saved)
      return { kind: 'done', entry, bytes: saved.bytes, sha256: saved.sha256, recordDownload: !entry.download };
  }
  const exists = await alreadyThere(line.file);
  if (live && entry) return exists && !force ? { kind: 'exists' } : { kind: 'adopt', entry };
  if (exists && !force) return { kind: 'exists' };
  if (entry?.orphan) return { kind: 'orphan', entry };
  return { kind: 'new' };
}

async function alreadyThere(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}
