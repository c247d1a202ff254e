import type { Journal, JournalRecordInput, TaskEntry } from '../journal/index.js';

/**
 * The journal as commands see it, loaded on first use: its record schemas (zod) stay off the
 * start-up path of commands that never touch it (`--help`, `models`, `status`).
 */
export class LazyJournal {
  private loaded?: Promise<Journal>;

  constructor(
    private readonly stateDir: string,
    private readonly now: () => number,
  ) {}

  private load(): Promise<Journal> {
    this.loaded ??= import('../journal/journal.js').then(
      ({ Journal }) => new Journal(this.stateDir, { now: this.now }),
    );
    return this.loaded;
  }

  async append(record: JournalRecordInput): Promise<void> {
    return (await this.load()).append(record);
  }
  async entries(): Promise<TaskEntry[]> {
    return (await this.load()).entries();
  }
  async findByTaskId(taskId: string): Promise<TaskEntry | undefined> {
    return (await this.load()).findByTaskId(taskId);
  }
  async findByIdempotencyKey(key: string): Promise<TaskEntry | undefined> {
    return (await this.load()).findByIdempotencyKey(key);
  }
  async pending(): Promise<TaskEntry[]> {
    return (await this.load()).pending();
  }
  async orphans(): Promise<TaskEntry[]> {
    return (await this.load()).orphans();
  }
}
