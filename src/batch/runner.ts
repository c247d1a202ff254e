import { succeeded } from '../api/client.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { AuthError } from '../api/errors/auth-error.js';
import { DownloadError } from '../api/errors/download-error.js';
import { MissingKeyError } from '../api/errors/missing-key-error.js';
import { RateLimitError } from '../api/errors/rate-limit-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { TaskWatcher } from '../api/watcher.js';
import type { TaskEntry } from '../journal/fold.js';
import { JournalError } from '../journal/journal-error.js';
import { classifyError } from '../output/report-error.js';
import { createTracked } from '../tasks/create.js';
import { type Job, recorder } from '../tasks/job.js';
import { reconcileOrphans } from '../tasks/reconcile.js';
import { saveVideo } from '../tasks/save-video.js';
import { statusRecorder } from '../tasks/status-recorder.js';
import { type LineOutcome, type LineState, lineOutcomes } from './line-state.js';
import { Notifier } from './notifier.js';
import type { Scheduler, Submission } from './scheduler.js';
import type { BatchView } from './view.js';

export interface RunnerOptions {
  /** The job, heard through a quiet voice: the batch's view says what happens. */
  job: Job;
  view: BatchView;
  /** The batch file's absolute path or `stdin`, recorded with each intent. */
  source: string;
  /** Between list polls at most, ms. */
  interval: number;
  /** Per task, ms. */
  timeout: number;
  force: boolean;
  sidecar: boolean;
  /** One scheduler per model (canonical id): each model has its own limits (§6.1). */
  lanes: Map<string, Scheduler>;
  /** Paces every query and list (never creates). */
  queries: Scheduler;
  /** The model id as sent, when the batch uses only one: filters the list. */
  listModel?: string;
}

/** A line throttled more often than this fails (exit 7) instead of waiting again. */
const MAX_REQUEUES = 5;
/** Videos downloaded at once; each is one connection to the video host, none to the API. */
const DOWNLOADS_AT_ONCE = 3;

/**
 * Runs a planned batch: submits through the schedulers, watches every task with the one watcher
 * (eager, so a finished task's slot goes to the next line at once), saves each video as soon as
 * its task succeeds, and stops cleanly on Ctrl-C (no more submissions; tasks keep running).
 */
export class BatchRunner {
  private readonly watcher: TaskWatcher;
  /** Creates, watches and saves under way. */
  private readonly work = new Set<Promise<unknown>>();
  private readonly changed = new Notifier();
  /** Fires on stop (Ctrl-C, or an error that stops the batch): ends the waits for a slot. */
  private readonly halt = new AbortController();
  private readonly record;
  private downloads = 0;
  private readonly downloadWaiters: Array<() => void> = [];
  private savedCount = 0;
  private failedCount = 0;
  private running = 0;
  /** An error that stopped the whole batch (no key, key refused, journal unwritable). */
  fatal?: unknown;
  /** Queries sent (list pages and task queries), for the summary. */
  queryCount = 0;

  constructor(
    private readonly o: RunnerOptions,
    readonly states: LineState[],
  ) {
    this.record = recorder(o.job);
    const journaled = statusRecorder(o.job, (id) => this.states.find((s) => s.taskId === id)?.entry);
    this.watcher = new TaskWatcher(o.job.client, {
      signal: o.job.signal,
      interval: o.interval,
      timeout: o.timeout,
      eager: true,
      pace: () => this.pace(),
      ...(o.listModel ? { listModel: o.listModel } : {}),
      onStatus: (task) => {
        journaled(task);
        const s = this.states.find((l) => l.taskId === task.output.task_id);
        if (!s || s.status === task.output.task_status) return;
        s.status = task.output.task_status;
        o.view.event(s.plan.line, s.status);
        o.view.active(s.plan.line, s.status, s.since);
      },
      onListRefused: (err) =>
        o.job.warn(`the task list is refused (${classifyError(err).message}); asking for each task instead`),
    });
  }

  get interrupted(): boolean {
    return this.o.job.signal.aborted;
  }

  async run(): Promise<void> {
    const signal = this.o.job.signal;
    const onAbort = () => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) this.stop();
    try {
      await this.takeFinished();
      await this.reconcile();
      this.adoptRunning();
      const queues = new Map<string, LineState[]>();
      for (const s of this.states) {
        if (s.finished || s.taskId) continue;
        const model = s.plan.request.model.id;
        queues.set(model, [...(queues.get(model) ?? []), s]);
      }
      await Promise.all([...queues].map(([model, queue]) => this.lane(this.o.lanes.get(model)!, queue)));
      while (this.work.size > 0) await Promise.allSettled([...this.work]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The report's lines and the exit code of each. */
  outcomes(): LineOutcome[] {
    return lineOutcomes(this.states, { interrupted: this.interrupted, fatal: this.fatal });
  }

  private stop(fatal?: unknown): void {
    if (fatal !== undefined && this.fatal === undefined) this.fatal = fatal;
    this.halt.abort();
    this.changed.notify();
  }

  private get stopped(): boolean {
    return this.halt.signal.aborted;
  }

  /** Lines already saved by an earlier run, lines whose file is in the way, keys used for another request. */
  private async takeFinished(): Promise<void> {
    for (const s of this.states) {
      const start = s.start;
      if (start.kind === 'done') {
        s.taskId = start.entry.taskId;
        s.status = 'SUCCEEDED';
        s.saved = { file: s.plan.file, bytes: start.bytes, sha256: start.sha256 };
        s.finished = true;
        this.savedCount++;
        if (start.recordDownload) {
          await this.record({
            type: 'downloaded',
            id: start.entry.id,
            taskId: start.entry.taskId!,
            file: s.plan.file,
            bytes: start.bytes,
            sha256: start.sha256,
          });
        }
        this.o.view.event(s.plan.line, `already saved ${s.plan.file}`);
      } else if (start.kind === 'exists') {
        this.fail(
          s,
          new DownloadError(
            'exists',
            `${s.plan.file} already exists and is not this line's video; it was left untouched and no task was created`,
          ),
        );
      }
    }
    this.progress();
  }

  /** Creates cut off by an earlier run: the one reconciler looks for their tasks in the service's list. */
  private async reconcile(): Promise<void> {
    const orphans = this.states.filter((s) => s.start.kind === 'orphan');
    if (orphans.length === 0 || this.stopped) return;
    const entries = orphans.map((s) => (s.start as { entry: TaskEntry }).entry);
    this.o.view.note(
      `checking whether ${orphans.length} create${orphans.length === 1 ? '' : 's'} cut off by an earlier run reached the service`,
    );
    try {
      const found = await reconcileOrphans(this.o.job, entries, { pace: () => this.pace() });
      for (const s of orphans) {
        const entry = (s.start as { entry: TaskEntry }).entry;
        const result = found.get(entry.id);
        if (result?.kind === 'found') s.start = { kind: 'adopt', entry: { ...entry, taskId: result.taskId } };
        else if (result?.kind === 'unsure') {
          this.fail(
            s,
            new UsageError(
              `a create of this line cut off at ${entry.intent.at} may have made one of ${result.candidates.join(', ')} (the service shows their prompts once they succeed); run the batch again later`,
            ),
          );
        } else s.start = { kind: 'new' };
      }
    } catch (err) {
      if (!(err instanceof AbortedError)) this.stop(err);
    }
  }

  /** Tasks of an earlier run that are still running (or done and not saved): waited for, never created again. */
  private adoptRunning(): void {
    for (const s of this.states) {
      if (s.start.kind !== 'adopt' || this.stopped || s.finished) continue;
      const { entry } = s.start;
      s.taskId = entry.taskId!;
      s.entry = entry;
      s.status = entry.status ?? 'PENDING';
      s.since = Date.parse(entry.intent.at);
      this.o.view.event(s.plan.line, `resuming task ${s.taskId} (${s.status})`);
      const lane = this.o.lanes.get(s.plan.request.model.id)!;
      lane.adopt();
      this.follow(s, () => lane.release());
    }
  }

  /** Submits one model's lines in file order, as its scheduler allows. */
  private async lane(scheduler: Scheduler, queue: LineState[]): Promise<void> {
    let pending = 0;
    while (!this.stopped) {
      if (queue.length === 0) {
        if (pending === 0) return;
        await this.changed.wait(this.halt.signal);
        continue;
      }
      let submission: Submission;
      try {
        submission = await scheduler.acquire(this.halt.signal);
      } catch {
        return; // stopped
      }
      const state = queue.shift()!;
      pending++;
      this.spawn(
        this.submit(state, scheduler)
          .finally(() => submission.answered())
          .then((again) => {
            if (again) queue.unshift(state);
            pending--;
            this.changed.notify();
          }),
      );
    }
  }

  /** Creates one line's task and follows it; true when it was throttled and should be sent again. */
  private async submit(s: LineState, scheduler: Scheduler): Promise<boolean> {
    const { job, view } = this.o;
    const { plan } = s;
    try {
      const task = await createTracked(job, plan.request, {
        idempotencyKey: plan.key,
        identity: plan.identity,
        output: plan.file,
        batch: { file: this.o.source, line: plan.line },
        ...(plan.inputs.length > 0 ? { beforeSend: () => this.send(s) } : {}),
      });
      s.taskId = task.taskId;
      s.status = task.status ?? 'PENDING';
      s.since = task.since;
      s.createdAt = task.answeredAt;
      s.entry = (await job.journal.entries()).find((e) => e.id === task.entryId);
      view.event(plan.line, task.reused ? `reusing task ${task.taskId}` : `task ${task.taskId} created`);
      this.follow(s, () => scheduler.release());
      return false;
    } catch (err) {
      scheduler.release();
      if (err instanceof RateLimitError && !err.mayHaveCreated && s.throttled < MAX_REQUEUES) {
        // Throttled even after the client's own retries: nothing was created, so the line waits its turn again.
        s.throttled++;
        scheduler.throttle(err.retryAfterMs);
        return true;
      }
      if (err instanceof AbortedError && err.taskId) {
        // Ctrl-C while its create was on its way: the task exists, is journaled, and keeps running.
        s.taskId = err.taskId;
        s.status = 'PENDING';
        return false;
      }
      if (err instanceof AbortedError) return false; // stopped before anything was sent
      this.fail(s, err);
      if (err instanceof AuthError || err instanceof MissingKeyError || err instanceof JournalError) this.stop(err);
      return false;
    }
  }

  /** A line's local files, read again and inlined or uploaded just before its task is created. */
  private async send(s: LineState) {
    const upload = this.o.job.client.uploader(this.o.job.signal);
    return s.plan.send(async (file, model) => {
      const url = await upload(file, model);
      this.o.view.event(s.plan.line, `uploaded ${file.name} as ${url}`);
      return url;
    });
  }

  /** Watches a line's task until it ends (its slot is freed then), then saves its video. */
  private follow(s: LineState, release: () => void): void {
    this.running++;
    this.o.view.active(s.plan.line, s.status, s.since);
    this.progress();
    const kind = `${s.plan.request.body.model}\n${s.plan.request.size ?? s.plan.request.tier}\n${s.plan.request.duration}`;
    const watched = this.watcher
      .watch(s.taskId!, { since: s.since!, ...(s.createdAt !== undefined ? { createdAt: s.createdAt } : {}), kind })
      .finally(() => {
        release();
        this.running--;
        this.progress();
      });
    this.spawn(
      watched
        .then((task) => this.save(s, succeeded(task)))
        .catch((err: unknown) => {
          if (err instanceof AbortedError) this.o.view.active(s.plan.line, undefined);
          else {
            this.fail(s, err);
            if (err instanceof AuthError || err instanceof MissingKeyError) this.stop(err);
          }
        }),
    );
  }

  private async save(s: LineState, task: Awaited<ReturnType<typeof succeeded>>): Promise<void> {
    const { view } = this.o;
    s.status = 'SUCCEEDED';
    view.active(s.plan.line, 'downloading');
    const saved = await this.downloadSlot(() =>
      saveVideo(this.o.job, task, {
        file: s.plan.file,
        force: this.o.force,
        sidecar: this.o.sidecar,
        request: s.plan.request,
        inputs: s.plan.inputs,
        ...(s.entry ? { entry: s.entry } : {}),
      }),
    );
    s.saved = { file: saved.file, bytes: saved.bytes, sha256: saved.sha256 };
    s.finished = true;
    this.savedCount++;
    view.active(s.plan.line, undefined);
    view.event(s.plan.line, `saved ${saved.file}`);
    this.progress();
  }

  private fail(s: LineState, err: unknown): void {
    if (err instanceof WanError && s.taskId) err.taskId ??= s.taskId;
    if (!s.finished) this.failedCount++;
    s.error = err;
    s.finished = true;
    this.o.view.active(s.plan.line, undefined);
    this.o.view.failure(s.plan.line, classifyError(err).message);
    this.progress();
  }

  private progress(): void {
    this.o.view.progress({ saved: this.savedCount, failed: this.failedCount, running: this.running });
  }

  private async pace(): Promise<void> {
    await this.o.queries.pace(this.o.job.signal);
    this.queryCount++;
  }

  private spawn(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => {
      this.work.delete(tracked);
      this.changed.notify();
    });
    this.work.add(tracked);
  }

  private async downloadSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.downloads >= DOWNLOADS_AT_ONCE)
      await new Promise<void>((resolve) => this.downloadWaiters.push(resolve));
    this.downloads++;
    try {
      return await fn();
    } finally {
      this.downloads--;
      this.downloadWaiters.shift()?.();
    }
  }
}
