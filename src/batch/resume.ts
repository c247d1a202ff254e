import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { TaskEntry } from '../journal/index.js';
import type { PlannedLine } from './plan.js';

/** What a re-run does with a line, from the journal and the disk. */
export type LineStart =
  /** Its video is on disk, as the journal (or the sidecar) recorded it: nothing to do. */
  | { kind: 'done'; entry: TaskEntry; bytes: number; sha256: string; recordDownload: boolean }
  /** Its task exists (running, or finished and not saved here): wait for it, create nothing. */
  | { kind: 'adopt'; entry: TaskEntry }
  /** An earlier run died during its create: the service may have the task. */
  | { kind: 'orphan'; entry: TaskEntry }
  | { kind: 'new' }
  /** Its file exists and is not this line's video: left alone, nothing is paid for (--force replaces it). */
  | { kind: 'exists' };

const DEAD = new Set(['FAILED', 'CANCELED', 'UNKNOWN']);

/** Decides each line's start. Reads the journal once: `entries` is `Journal#entries()`. */
export async function resumeStates(
  lines: PlannedLine[],
  entries: TaskEntry[],
  force: boolean,
): Promise<Map<number, LineStart>> {
  const byKey = new Map<string, TaskEntry>();
  // Oldest first, so the newest entry for a key wins, as Journal#findByIdempotencyKey does.
  for (const entry of entries) if (entry.intent.idempotencyKey) byKey.set(entry.intent.idempotencyKey, entry);
  const states = new Map<number, LineStart>();
  for (const line of lines) states.set(line.line, await startOf(line, byKey.get(line.key), force));
  return states;
}

async function startOf(line: PlannedLine, entry: TaskEntry | undefined, force: boolean): Promise<LineStart> {
  const onDisk = await hashFile(line.file);
  if (entry?.taskId && entry.download && onDisk?.sha256 === entry.download.sha256) {
    return { kind: 'done', entry, ...onDisk, recordDownload: false };
  }
  if (entry?.taskId && !(entry.status && DEAD.has(entry.status))) {
    if (!onDisk) return { kind: 'adopt', entry };
    // Saved, but killed before the journal heard of it: the sidecar, written after the file, vouches for it.
    if (await sidecarVouches(line.file, entry.taskId, onDisk.sha256))
      return { kind: 'done', entry, ...onDisk, recordDownload: true };
    return force ? { kind: 'adopt', entry } : { kind: 'exists' };
  }
  if (onDisk && !force) return { kind: 'exists' };
  if (entry?.orphan) return { kind: 'orphan', entry };
  return { kind: 'new' };
}

async function sidecarVouches(file: string, taskId: string, sha256: string): Promise<boolean> {
  try {
    const sidecar = JSON.parse(await readFile(`${file}.json`, 'utf8')) as { task_id?: unknown; sha256?: unknown };
    return sidecar.task_id === taskId && sidecar.sha256 === sha256;
  } catch {
    return false;
  }
}

/** Size and SHA-256 of a regular file, or undefined when there is none. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string } | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { bytes: info.size, sha256: hash.digest('hex') };
}
