import type { WanClient } from './client.js';
import { AbortedError } from './errors/aborted-error.js';
import { ApiError } from './errors/api-error.js';
import { AuthError } from './errors/auth-error.js';
import { MissingKeyError } from './errors/missing-key-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { ResponseShapeError } from './errors/response-shape-error.js';
import { WaitTimeoutError } from './errors/wait-timeout-error.js';
import { WanError } from './errors/wan-error.js';
import { LIST_WINDOW_MS, listAll } from './list-pager.js';
import { nextLook, planPoll, TaskDurations } from './poll-plan.js';
import { isTerminal, type ListedTask, numeric, type TaskResponse } from './schemas.js';

export interface WaitOptions {
  signal?: AbortSignal;
  /**
   * Called when a task's status is seen: the full task after a query, a bare one (task id and
   * status) after a list, which reports only statuses that have not ended.
   */
  onStatus?: (task: TaskResponse) => void;
  /** How long to wait for each task, ms, from when it is watched. @default 1_800_000 (30 min) */
  timeout?: number;
  /** Time between looks, ms; values under 1000 are raised to 1000. @default 5000 */
  interval?: number;
}

export interface WatcherOptions extends WaitOptions {
  /** Look at young tasks often and at tasks expected to end (poll-plan.ts): frees a batch's slots sooner. */
  eager?: boolean;
  /** Waits for the account's query rate before each request. */
  pace?: () => Promise<void>;
  /** The model id as sent, when every watched task has it: lists page through fewer foreign tasks. */
  listModel?: string;
  /** The list was refused (a gateway, an old service); each task is asked for alone from now on. */
  onListRefused?: (err: unknown) => void;
}

export interface WatchedTask {
  /** Client time at or before the task's submission, ms (for the list window). @default 24 h ago */
  since?: number;
  /** When its create was answered, ms (eager looks count from it). @default `since`, else now */
  createdAt?: number;
  /** Tasks of one kind take about as long as each other (eager: model, size, duration). */
  kind?: string;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60 * 1000;
export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const MIN_POLL_INTERVAL_MS = 1000;

/** Clocks differ: a list window reaches this far past both ends. */
const MARGIN_MS = 60_000;

interface Watch extends Required<Omit<WatchedTask, 'kind'>> {
  taskId: string;
  kind?: string;
  deadline: number;
  seenAt?: number;
  status: string;
  resolve(task: TaskResponse): void;
  reject(err: unknown): void;
}

/**
 * The one way `wan` waits for tasks: `wait` (one id or many), `run`, `sweep` and `batch` all watch
 * through it. `watch(id)` resolves with the task as the service reports it once it has ended
 * (SUCCEEDED, FAILED, CANCELED or UNKNOWN) and rejects with WaitTimeoutError when its budget is spent
 * (the task is never cancelled here), AbortedError on the signal, or the error of a query whose
 * retries ran out. With two tasks or more, one `GET /tasks` list per interval covers them all, and a
 * task is asked for alone only when it has ended (for its video URL), when the list does not show
 * it, or, if the list is refused or fails, every time.
 */
export class TaskWatcher {
  private readonly watches = new Map<string, Watch>();
  private readonly interval: number;
  private readonly timeout: number;
  private readonly durations = new TaskDurations();
  private listRefused = false;
  private listDue = Number.NEGATIVE_INFINITY;
  private loop?: Promise<void>;
  private wake = new AbortController();

  constructor(
    private readonly client: Pick<WanClient, 'getTask' | 'listTasks' | 'clock'>,
    private readonly options: WatcherOptions = {},
  ) {
    this.interval = Math.max(options.interval ?? DEFAULT_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS);
    this.timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  }

  /** Tasks being watched. */
  get size(): number {
    return this.watches.size;
  }

  watch(taskId: string, task: WatchedTask = {}): Promise<TaskResponse> {
    const now = this.now();
    return new Promise<TaskResponse>((resolve, reject) => {
      if (this.options.signal?.aborted) return reject(tagged(new AbortedError(), taskId));
      const since = task.since ?? now - LIST_WINDOW_MS;
      this.watches.set(taskId, {
        taskId,
        since,
        createdAt: task.createdAt ?? task.since ?? now,
        kind: task.kind,
        deadline: now + this.timeout,
        status: 'PENDING',
        resolve,
        reject,
      });
      this.wake.abort();
      // Started on the next turn of the event loop, so tasks watched together share the first look.
      this.loop ??= new Promise((next) => setImmediate(next))
        .then(() => this.run())
        .finally(() => {
          this.loop = undefined;
          // A task watched as the loop ended starts it again.
          if (this.watches.size > 0) this.loop = this.run();
        });
    });
  }

  private now(): number {
    return this.client.clock.now();
  }

  private async run(): Promise<void> {
    const signal = this.options.signal;
    try {
      while (this.watches.size > 0) {
        const watches = [...this.watches.values()];
        // A list covers every task for the price of one query. Steady watching lists from two tasks
        // on; eager watching (a batch) lists even one, so its early looks at a task that cannot have
        // ended yet never cost that task's own query, which is kept for when it has ended.
        const listing = !this.listRefused && watches.length >= (this.options.eager ? 1 : 2);
        const looks = watches.map((w) => nextLook(this.polled(w), this.interval, this.options.eager === true));
        const now = this.now();
        const step = planPoll(looks, listing, this.listDue, now);
        if (step.kind === 'sleep') {
          this.wake = new AbortController();
          const wake = this.wake.signal;
          await this.client.clock
            .sleep(step.until - now, signal ? AbortSignal.any([signal, wake]) : wake)
            .catch((err: unknown) => {
              if (signal?.aborted) throw err;
            });
          continue;
        }
        if (step.kind === 'list') await this.listAndLook(watches);
        else for (const index of step.indexes) await this.ask(watches[index]!);
        this.expire();
      }
    } catch (err) {
      // Fatal for every task: interrupted, or no key / a refused key.
      for (const w of [...this.watches.values()]) this.settle(w, undefined, tagged(copyError(err), w.taskId));
    }
  }

  private polled(w: Watch) {
    return {
      createdAt: w.createdAt,
      deadline: w.deadline,
      ...(w.seenAt !== undefined ? { seenAt: w.seenAt } : {}),
      ...(w.kind !== undefined && this.durations.expected(w.kind) !== undefined
        ? { expectedMs: this.durations.expected(w.kind)! }
        : {}),
    };
  }

  /** One query for one task; a failure after the client's retries ends that task's watch alone. */
  private async ask(w: Watch): Promise<void> {
    if (!this.watches.has(w.taskId)) return;
    w.seenAt = this.now();
    let task: TaskResponse;
    try {
      await this.options.pace?.();
      task = await this.client.getTask(w.taskId, { signal: this.options.signal });
    } catch (err) {
      if (isFatal(err)) throw err;
      return this.settle(w, undefined, tagged(err, w.taskId));
    }
    this.seen(w, task.output.task_status, task, true);
  }

  /** One list for every task in flight; what it does not settle is asked for alone. */
  private async listAndLook(watches: Watch[]): Promise<void> {
    const now = this.now();
    this.listDue = now + this.interval;
    let rows: Map<string, ListedTask> | undefined;
    try {
      rows = await this.list(watches, now);
    } catch (err) {
      if (isFatal(err)) throw err;
      if (isRefusal(err)) {
        this.listRefused = true;
        this.options.onListRefused?.(err);
      }
    }
    for (const w of watches) {
      const row = rows?.get(w.taskId);
      if (row === undefined || isTerminal(row.status)) {
        // Not listed (another key's, the list lags, UNKNOWN) or ended: its own query says the rest.
        if (row && row.status === 'SUCCEEDED') this.learn(w, numeric(row.end_time), numeric(row.start_time));
        await this.ask(w);
        continue;
      }
      w.seenAt = now;
      this.seen(w, row.status, { output: { task_id: w.taskId, task_status: row.status } }, false);
    }
  }

  private async list(watches: Watch[], now: number): Promise<Map<string, ListedTask>> {
    const wanted = new Set(watches.map((w) => w.taskId));
    const { tasks } = await listAll(
      this.client,
      {
        startTime: Math.min(...watches.map((w) => w.since)) - MARGIN_MS,
        endTime: now + MARGIN_MS,
        ...(this.options.listModel ? { model: this.options.listModel } : {}),
      },
      {
        pace: this.options.pace,
        signal: this.options.signal,
        enough: (found) => found.filter((t) => wanted.has(t.task_id)).length >= wanted.size,
      },
    );
    return new Map(tasks.filter((t) => wanted.has(t.task_id)).map((t) => [t.task_id, t]));
  }

  /** A status seen by a query (`full`: the whole task) or a list (only the status). */
  private seen(w: Watch, status: string, task: TaskResponse, full: boolean): void {
    if (!this.watches.has(w.taskId)) return;
    w.status = status;
    this.options.onStatus?.(task);
    // Only a full query settles a task: the list has no video URL or failure code.
    if (!isTerminal(status) || !full) return;
    if (status === 'SUCCEEDED') this.learn(w);
    this.settle(w, task);
  }

  /** How long a task of this kind took: the service's times when the list gave them, else as seen here. */
  private learn(w: Watch, end?: number, start?: number): void {
    if (w.kind === undefined) return;
    this.durations.note(w.kind, end !== undefined && start !== undefined ? end - start : this.now() - w.createdAt);
  }

  private expire(): void {
    const now = this.now();
    for (const w of [...this.watches.values()]) {
      if (now >= w.deadline && w.seenAt !== undefined && w.seenAt >= w.deadline) {
        this.settle(w, undefined, new WaitTimeoutError(w.taskId, w.status, this.timeout));
      }
    }
  }

  private settle(w: Watch, task: TaskResponse | undefined, err?: unknown): void {
    if (!this.watches.delete(w.taskId)) return;
    if (task) w.resolve(task);
    else w.reject(err);
  }
}

/** No key, a refused key, or Ctrl-C: no task can be watched any longer. */
function isFatal(err: unknown): boolean {
  return err instanceof AbortedError || err instanceof AuthError || err instanceof MissingKeyError;
}

/** A service (or a gateway in front of it) that will not list: asking again will not help. */
function isRefusal(err: unknown): boolean {
  if (err instanceof ResponseShapeError) return true;
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && !(err instanceof RateLimitError);
}

/** One error object per task, so each report names its own task. */
function copyError(err: unknown): unknown {
  if (err instanceof AbortedError) return new AbortedError(err.message);
  return err;
}

function tagged(err: unknown, taskId: string): unknown {
  if (err instanceof WanError) err.taskId ??= taskId;
  return err;
}
