import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { appendLine, syncDirectory } from './append.js';
import { foldRecords, isPending, type TaskEntry } from './fold.js';
import { readRecords } from './read.js';
import type { JournalRecord, JournalRecordInput } from './records.js';
import { serializeRecord } from './serialize.js';
import { ensureStateDir } from './state-dir.js';

/** The journal's file name inside the state directory. */
export const JOURNAL_FILE = 'journal.jsonl';

export interface JournalOptions {
  /** Clock for records appended without `at`, in ms since the epoch. @default Date.now */
  now?: () => number;
}

interface Cache {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Byte offset up to which `records` were read. */
  end: number;
  records: JournalRecord[];
}

/**
 * A crash-safe, append-only record of every task `wan` creates, in `<stateDir>/journal.jsonl`
 * (JSON Lines). Write the intent before sending a create request, then the task id, status
 * changes and the download; `entries()` folds them back into one entry per create.
 *
 * Several processes may use the same journal at once. The file only ever grows: there is no
 * compaction yet. If one is added it must write a new file and rename it over the old one (never
 * rewrite in place), which readers notice as a new inode and re-read from the start.
 */
export class Journal {
  /** Absolute or relative path of the journal file. */
  readonly file: string;
  readonly #stateDir: string;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  #cache: Cache | undefined;
  /** Reads are chained so concurrent callers never update the cache out of order. */
  #reading: Promise<unknown> = Promise.resolve();

  /** @param stateDir created on the first append (mode 0700) if missing; nothing is touched before. */
  constructor(stateDir: string, options: JournalOptions = {}) {
    this.#stateDir = stateDir;
    this.file = path.join(stateDir, JOURNAL_FILE);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Appends one record as one line, and returns once it is fsync'd. `at` defaults to now.
   * @throws JournalError when the state directory or file cannot be written (`state-dir`,
   *   `write`), when the record contains an API-key-like string (`secret`), or when it cannot be
   *   made to fit one line (`too-large`); nothing is written in those cases.
   * @throws TypeError when the record does not match its schema (a caller bug).
   */
  async append(record: JournalRecordInput): Promise<void> {
    const full = { ...record, at: record.at ?? new Date(this.#now()).toISOString() } as JournalRecord;
    const line = serializeRecord(full, this.file);
    await this.#ensureDir();
    if (await appendLine(this.file, line)) await syncDirectory(this.file);
  }

  /** Every create, oldest first, folded from its records. Damaged lines are skipped. */
  async entries(): Promise<TaskEntry[]> {
    return foldRecords(await this.#records());
  }

  /** The entry whose task has this id. */
  async findByTaskId(taskId: string): Promise<TaskEntry | undefined> {
    return newest(await this.entries(), (entry) => entry.taskId === taskId);
  }

  /** The newest entry whose intent carries this idempotency key. */
  async findByIdempotencyKey(key: string): Promise<TaskEntry | undefined> {
    return newest(await this.entries(), (entry) => entry.intent.idempotencyKey === key);
  }

  /**
   * Entries with a task id and no download whose status is not FAILED, CANCELED or UNKNOWN:
   * still running, or SUCCEEDED and waiting to be downloaded (check `videoExpiresAt`).
   */
  async pending(): Promise<TaskEntry[]> {
    return (await this.entries()).filter(isPending);
  }

  /**
   * Entries with an intent but neither a task id nor a certain failure: the process stopped
   * while (or right after) sending the create request, so a task may exist unknown to us.
   */
  async orphans(): Promise<TaskEntry[]> {
    return (await this.entries()).filter((entry) => entry.orphan);
  }

  #ensureDir(): Promise<void> {
    // Once per instance; a failure is not remembered, so the next append tries again.
    this.#ready ??= ensureStateDir(this.#stateDir).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  #records(): Promise<JournalRecord[]> {
    const next = this.#reading.then(() => this.#load());
    this.#reading = next.catch(() => undefined);
    return next;
  }

  /**
   * Re-reads only what changed: nothing when size and mtime are unchanged, the appended tail when
   * the same file grew, everything when it was replaced or shrank.
   */
  async #load(): Promise<JournalRecord[]> {
    let info: Stats;
    try {
      info = await stat(this.file);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') {
        this.#cache = undefined;
        return [];
      }
      throw err;
    }
    const cache = this.#cache;
    if (cache && cache.ino === info.ino && cache.size === info.size && cache.mtimeMs === info.mtimeMs)
      return cache.records;
    if (cache && cache.ino === info.ino && info.size > cache.size && info.size >= cache.end) {
      const tail = await readRecords(this.file, cache.end);
      cache.records.push(...tail.records);
      Object.assign(cache, { size: info.size, mtimeMs: info.mtimeMs, end: tail.end });
      return cache.records;
    }
    const all = await readRecords(this.file);
    this.#cache = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs, end: all.end, records: all.records };
    return all.records;
  }
}

/** The last match: entries are oldest first. (`Array#findLast` is ES2023; the build targets ES2022.) */
function newest(entries: TaskEntry[], match: (entry: TaskEntry) => boolean): TaskEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (match(entries[i]!)) return entries[i];
  return undefined;
}
