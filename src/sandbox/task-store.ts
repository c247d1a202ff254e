import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import { withFileLock } from './file-lock.js';
import { phaseAt, type TaskPhase } from './task-phase.js';
import { admissionTimes } from './task-queue.js';
import type { TaskRecord } from './task-record.js';

interface StateFile {
  version: 1;
  tasks: TaskRecord[];
}

/** Sweep expired records every this many creates, so a long-running sandbox does not grow forever. */
const SWEEP_EVERY = 1024;

/**
 * Task records in memory, optionally mirrored to `tasks.json` in a state directory shared by several
 * processes (each `wan --sandbox …` runs its own sandbox). Writes re-read the file and merge, so
 * processes do not drop each other's tasks; concurrent writes in one process are coalesced.
 */
export class TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();
  private writes: Promise<void> = Promise.resolve();
  private queuedWrite: Promise<void> | undefined;
  private addsSinceSweep = 0;
  /** Identity of the file version we last read or wrote; an unchanged file need not be parsed again. */
  private seenVersion = '';
  /** Queue admissions of rate-limited tasks, recomputed only after the set of records changed. */
  private admissions: Map<string, number> | undefined;
  private lastSeq = 0;

  constructor(
    private readonly file: string | undefined,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    await this.mergeFromDisk();
  }

  /**
   * The task with this id, after picking up what other processes wrote (new tasks, cancels).
   * Cheap when nothing changed: one stat of the state file.
   */
  async find(id: string): Promise<TaskRecord | undefined> {
    if (this.file) await this.mergeFromDisk();
    return this.tasks.get(id);
  }

  /** Every task, after picking up what other processes wrote. */
  async all(): Promise<TaskRecord[]> {
    if (this.file) await this.mergeFromDisk();
    return [...this.tasks.values()];
  }

  /** The state of a task at `now`, taking the rate-limit queue into account. */
  phase(task: TaskRecord, now: number): TaskPhase {
    return phaseAt(task, now, this.retentionMs, this.admitTime(task));
  }

  /** A creation counter, so tasks created in the same millisecond keep their order in the queue and lists. */
  nextSeq(): number {
    return ++this.lastSeq;
  }

  /** Stores a task; resolves once it is on disk, so another process can see it as soon as we answer. */
  add(task: TaskRecord): Promise<void> {
    this.set(task);
    if (++this.addsSinceSweep >= SWEEP_EVERY) {
      this.addsSinceSweep = 0;
      this.sweep();
    }
    return this.persist();
  }

  update(task: TaskRecord): Promise<void> {
    this.set(task);
    return this.persist();
  }

  private set(task: TaskRecord): void {
    this.tasks.set(task.id, task);
    if (task.seq !== undefined && task.seq > this.lastSeq) this.lastSeq = task.seq;
    this.admissions = undefined;
  }

  private admitTime(task: TaskRecord): number {
    if (task.concurrency === undefined) return task.submitTime;
    this.admissions ??= admissionTimes(this.tasks.values());
    return this.admissions.get(task.id) ?? task.submitTime;
  }

  /** Waits for pending writes (before close). */
  async flush(): Promise<void> {
    await this.writes;
  }

  private sweep(): void {
    const now = this.now();
    const expired = [...this.tasks.values()].filter((task) => now >= this.phase(task, now).endTime + this.retentionMs);
    for (const task of expired) this.tasks.delete(task.id);
    if (expired.length > 0) this.admissions = undefined;
  }

  /** Group commit: every change made before a queued write starts is carried by that write. */
  private persist(): Promise<void> {
    if (!this.file) return Promise.resolve();
    if (this.queuedWrite) return this.queuedWrite;
    const write = this.writes.then(() => {
      this.queuedWrite = undefined;
      return this.writeFile();
    });
    this.queuedWrite = write;
    this.writes = write.catch(() => undefined);
    return write;
  }

  private writeFile(): Promise<void> {
    const file = this.file!;
    return withFileLock(`${file}.lock`, async () => {
      await this.mergeFromDisk();
      this.sweep();
      const state: StateFile = { version: 1, tasks: [...this.tasks.values()] };
      await writeFileAtomic(file, JSON.stringify(state));
      this.seenVersion = await fileVersion(file);
    });
  }

  private async mergeFromDisk(): Promise<void> {
    if (!this.file) return;
    const version = await fileVersion(this.file);
    if (version === '' || version === this.seenVersion) return;
    let state: Partial<StateFile>;
    try {
      state = JSON.parse(await readFile(this.file, 'utf8')) as Partial<StateFile>;
    } catch {
      return; // unreadable: nothing to merge
    }
    this.seenVersion = version;
    for (const task of Array.isArray(state.tasks) ? state.tasks : []) {
      const mine = this.tasks.get(task.id);
      // A cancel made by another process is the only change a record ever gets.
      if (!mine || (mine.canceledTime === undefined && task.canceledTime !== undefined)) this.set(task);
    }
  }
}

/** Every write replaces the file (new inode), so inode + size + mtime identify a version; '' = no file. */
async function fileVersion(file: string): Promise<string> {
  const s = await stat(file).catch(() => undefined);
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : '';
}
