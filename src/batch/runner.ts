import type { WanClient } from '../api/client.js';
import { urlExpiry } from '../api/download/index.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { ApiError } from '../api/errors/api-error.js';
import { AuthError } from '../api/errors/auth-error.js';
import { DownloadError } from '../api/errors/download-error.js';
import { MissingKeyError } from '../api/errors/missing-key-error.js';
import { RateLimitError } from '../api/errors/rate-limit-error.js';
import { ResponseShapeError } from '../api/errors/response-shape-error.js';
import { TaskFailedError } from '../api/errors/task-failed-error.js';
import { WaitTimeoutError } from '../api/errors/wait-timeout-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { isTerminal, type ListedTask, type TaskResponse } from '../api/schemas.js';
import type { CommandContext } from '../commands/context.js';
import { saveVideo } from '../commands/fetch-video.js';
import { createTracked } from '../commands/tracked-create.js';
import { JournalError, type JournalRecordInput } from '../journal/index.js';
import { classifyError } from '../output/report-error.js';
import { Ui } from '../output/ui.js';
import { deriveContext } from './derived-context.js';
import { type LineOutcome, type LineState, lineOutcomes } from './line-state.js';
import { Notifier } from './notifier.js';
import { type Look, nextLook, planPoll, TaskDurations } from './poll-plan.js';
import { listStatuses } from './poller.js';
import { reconcileOrphans } from './reconcile.js';
import type { Scheduler, Submission } from './scheduler.js';
import type { BatchView } from './view.js';

export interface RunnerOptions {
  ctx: CommandContext;
  client: WanClient;
  view: BatchView;
  /** The batch file's absolute path or `stdin`, recorded with each intent. */
  source: string;
  /** Between list polls at most, ms (sooner when a task is expected to end, see poll-plan.ts). */
  interval: number;
  /** Per task, ms. */
  timeout: number;
  force: boolean;
  sidecar: boolean;
  region: string;
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
 * Runs a planned batch: submits through the schedulers, watches every task with one list per
 * interval, downloads each video as soon as its task succeeds, records everything in the journal
 * and stops cleanly on Ctrl-C (no more submissions; tasks keep running).
 */
export class BatchRunner {
  /** Lines whose task is created and not yet seen to finish. */
  private readonly watching = new Set<LineState>();
  /** Creates and fetches under way. */
  private readonly work = new Set<Promise<unknown>>();
  private readonly changed = new Notifier();
  private readonly quietCtx: CommandContext;
  private readonly createCtx: CommandContext;
  private lanesDone = false;
  /** The list endpoint was refused: poll each task instead. */
  private listUnavailable = false;
  private stopped = false;
  /** Fires on stop (Ctrl-C, or an error that stops the batch): ends the waits for a slot and between polls. */
  private readonly halt = new AbortController();
  private downloads = 0;
  private readonly downloadWaiters: Array<() => void> = [];
  private readonly warned = new Set<string>();
  /** How long each kind of task takes: when the ones in flight are expected to end. */
  private readonly durations = new TaskDurations();
  /** When each task in flight was last looked at (asked for, or listed). */
  private readonly seen = new Map<LineState, number>();
  private savedCount = 0;
  private failedCount = 0;
  /** An error that stopped the whole batch (no key, key refused, journal unwritable). */
  fatal?: unknown;
  /** Queries sent (list pages and task queries), for the summary. */
  queryCount = 0;

  constructor(
    private readonly o: RunnerOptions,
    readonly states: LineState[],
  ) {
    const quiet = new Ui(o.ctx.io, { ...o.ctx.ui.options, quiet: true });
    this.quietCtx = deriveContext(o.ctx, { ui: quiet });
    this.createCtx = deriveContext(o.ctx, { ui: quiet, signal: new AbortController().signal });
  }

  get interrupted(): boolean {
    return this.o.ctx.signal.aborted;
  }

  async run(): Promise<void> {
    const signal = this.o.ctx.signal;
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
        if (!queues.has(model)) queues.set(model, []);
        queues.get(model)!.push(s);
      }
      const poller = this.pollLoop();
      await Promise.all([...queues].map(([model, queue]) => this.lane(this.o.lanes.get(model)!, queue)));
      this.lanesDone = true;
      this.changed.notify();
      await poller;
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
    this.stopped = true;
    this.halt.abort();
    this.changed.notify();
  }

  /** Lines already saved by an earlier run, and lines whose file is in the way. */
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

  private async reconcile(): Promise<void> {
    const orphans = this.states.flatMap((s) =>
      s.start.kind === 'orphan' ? [{ line: s.plan.line, entry: s.start.entry, state: s }] : [],
    );
    if (orphans.length === 0 || this.stopped) return;
    this.o.view.note(
      `checking whether ${orphans.length} create${orphans.length === 1 ? '' : 's'} cut off by an earlier run reached the service`,
    );
    try {
      const found = await reconcileOrphans(orphans, {
        client: this.o.client,
        journal: this.o.ctx.journal(),
        pace: () => this.pace(),
        now: this.o.ctx.clock.now(),
        signal: this.o.ctx.signal,
      });
      for (const { line, entry, state } of orphans) {
        const taskId = found.get(line);
        if (taskId) state.start = { kind: 'adopt', entry: { ...entry, taskId } };
      }
    } catch (err) {
      if (!(err instanceof AbortedError)) this.stop(err);
    }
  }

  /** Tasks of an earlier run that are still running (or done and not saved): waited for, never created again. */
  private adoptRunning(): void {
    const now = this.o.ctx.clock.now();
    for (const s of this.states) {
      if (s.start.kind !== 'adopt' || this.stopped) continue;
      const { entry } = s.start;
      s.taskId = entry.taskId!;
      s.entryId = entry.id;
      s.status = entry.status ?? 'PENDING';
      s.since = Date.parse(entry.intent.at);
      s.deadline = now + this.o.timeout;
      this.o.view.event(s.plan.line, `resuming task ${s.taskId} (${s.status})`);
      this.o.lanes.get(s.plan.request.model.id)!.adopt();
      this.watch(s);
      if (s.status === 'SUCCEEDED') this.observe(s, 'SUCCEEDED');
    }
  }

  /** Submits one model's lines in file order, as its scheduler allows. */
  private async lane(scheduler: Scheduler, queue: LineState[]): Promise<void> {
    let pending = 0;
    while (!this.stopped) {
      if (queue.length === 0) {
        if (pending === 0) return;
        await this.changed.wait();
        continue;
      }
      let submission: Submission;
      try {
        submission = await scheduler.acquire(this.halt.signal);
      } catch {
        return; // stopped
      }
      if (this.stopped) {
        submission.answered();
        scheduler.release();
        return;
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

  /** Creates one line's task; true when it was throttled and should be sent again. */
  private async submit(s: LineState, scheduler: Scheduler): Promise<boolean> {
    const { client, ctx, view } = this.o;
    const { plan } = s;
    try {
      let request = plan.request;
      if (plan.audioFile) {
        const { url } = await client.uploadAudio(plan.audioFile, request.body.model, { signal: ctx.signal });
        view.event(plan.line, `uploaded ${plan.audioFile} as ${url}`);
        request = client.prepareCreate({ ...plan.options, audioUrl: url });
      }
      const since = ctx.clock.now();
      const task = await createTracked(this.createCtx, client, request, {
        idempotencyKey: plan.key,
        output: plan.file,
        batch: { file: this.o.source, line: plan.line },
      });
      s.taskId = task.taskId;
      s.status = task.status ?? 'PENDING';
      s.since = since;
      // A reused task was created earlier, by another run: its clock did not start now.
      if (!task.reused) s.createdAt = task.answeredAt ?? ctx.clock.now();
      s.deadline = since + this.o.timeout;
      s.entryId = (
        await ctx
          .journal()
          .findByTaskId(task.taskId)
          .catch(() => undefined)
      )?.id;
      view.event(plan.line, task.reused ? `reusing task ${task.taskId}` : `task ${task.taskId} created`);
      this.watch(s);
      return false;
    } catch (err) {
      scheduler.release();
      if (err instanceof RateLimitError && !err.mayHaveCreated && s.throttled < MAX_REQUEUES) {
        // Throttled even after the client's own retries: nothing was created, so the line waits its turn again.
        s.throttled++;
        scheduler.throttle(err.retryAfterMs);
        return true;
      }
      if (err instanceof AbortedError) return false; // its upload was interrupted; nothing was created
      this.fail(s, err);
      if (err instanceof AuthError || err instanceof MissingKeyError || err instanceof JournalError) this.stop(err);
      return false;
    }
  }

  /**
   * Looks at the tasks in flight while there are any (poll-plan.ts): one list at least every
   * interval, and each task asked for alone the moment it is expected to end, so its slot is taken
   * again at once. A task watched during a sleep may be due sooner: any change wakes the loop.
   */
  private async pollLoop(): Promise<void> {
    const clock = this.o.ctx.clock;
    let listDue = clock.now() + this.o.interval;
    while (!this.stopped) {
      if (this.watching.size === 0) {
        if (this.lanesDone && this.work.size === 0) return;
        await this.changed.wait();
        // Nothing was in flight: the interval counts from the first task watched again.
        listDue = clock.now() + this.o.interval;
        continue;
      }
      const watched = [...this.watching];
      const step = planPoll(
        watched.map((s) => this.look(s)),
        listDue,
        clock.now(),
      );
      if (step.kind === 'sleep') {
        try {
          await this.sleepOrChange(step.until - clock.now());
        } catch {
          return; // stopped
        }
        continue;
      }
      if (step.kind === 'list') {
        listDue = clock.now() + this.o.interval;
        await this.pollOnce().catch((err: unknown) => this.pollFailed(err));
      } else {
        await this.askOne(watched[step.index]!).catch((err: unknown) => this.pollFailed(err));
      }
      this.expire();
    }
  }

  /** When a task wants its next look, and whether for an expected end. */
  private look(s: LineState): Look {
    const expectedMs = this.durations.expected(kindOf(s));
    const createdAt = s.createdAt ?? s.since!;
    const task = { createdAt, ...(expectedMs !== undefined ? { expectedMs } : {}) };
    return { at: nextLook(task, this.seen.get(s) ?? createdAt), expected: expectedMs !== undefined };
  }

  /** A task whose expected end is up, asked for alone: when it has ended, that answer has its video URL. */
  private async askOne(s: LineState): Promise<void> {
    const { client, ctx } = this.o;
    this.seen.set(s, ctx.clock.now());
    await this.pace();
    const task = await client.getTask(s.taskId!, { signal: ctx.signal });
    if (!this.watching.has(s)) return;
    if (task.output.task_status === 'SUCCEEDED') this.learn(s);
    this.observe(s, task.output.task_status, task);
  }

  /** Sleeps `ms`, or less if a change (a task watched, a line settled) comes first. Rejects when stopped. */
  private async sleepOrChange(ms: number): Promise<void> {
    const over = new AbortController();
    void this.changed.wait(over.signal).then(() => over.abort());
    try {
      await this.o.ctx.clock.sleep(ms, AbortSignal.any([this.halt.signal, over.signal]));
    } catch (err) {
      if (this.halt.signal.aborted) throw err;
    } finally {
      over.abort(); // drops the wait for a change when the sleep ran out
    }
  }

  private async pollOnce(): Promise<void> {
    const { client, ctx } = this.o;
    const watched = [...this.watching];
    const now = ctx.clock.now();
    for (const s of watched) this.seen.set(s, now);
    let listed = new Map<string, ListedTask>();
    if (!this.listUnavailable) {
      try {
        listed = await listStatuses(
          watched.map((s) => ({ taskId: s.taskId!, since: s.since! })),
          { client, pace: () => this.pace(), now, model: this.o.listModel, signal: ctx.signal },
        );
      } catch (err) {
        // A service (or a gateway in front of it) that refuses the list: ask for each task instead, still paced.
        const refused =
          err instanceof ResponseShapeError ||
          (err instanceof ApiError &&
            err.status >= 400 &&
            err.status < 500 &&
            !(err instanceof RateLimitError) &&
            !(err instanceof AuthError));
        if (!refused) throw err;
        this.listUnavailable = true;
        ctx.ui.warn(`the task list is not available (${classifyError(err).message}); asking for each task instead`);
      }
    }
    const missing: LineState[] = [];
    for (const s of watched) {
      const row = listed.get(s.taskId!);
      if (!row) {
        missing.push(s);
        continue;
      }
      if (row.status === 'SUCCEEDED')
        this.learn(
          s,
          row.start_time !== undefined && row.end_time !== undefined ? row.end_time - row.start_time : undefined,
        );
      this.observe(s, row.status);
    }
    // Not in the list: UNKNOWN tasks are not listed, and a list may lag. Asked one by one.
    for (const s of missing) {
      if (!this.watching.has(s)) continue;
      await this.pace();
      const task = await client.getTask(s.taskId!, { signal: ctx.signal });
      if (task.output.task_status === 'SUCCEEDED') this.learn(s);
      this.observe(s, task.output.task_status, task);
    }
  }

  /**
   * A task of this line's kind succeeded and took `serviceMs` by the service's clock; without
   * that, as long as this run saw it take, if this run created it (an upper bound, late by up to one poll).
   */
  private learn(s: LineState, serviceMs?: number): void {
    if (!this.watching.has(s)) return;
    const seen = s.createdAt !== undefined ? this.o.ctx.clock.now() - s.createdAt : undefined;
    const ms = serviceMs ?? seen;
    if (ms !== undefined) this.durations.note(kindOf(s), ms);
  }

  /** Tasks past their --timeout: given up on (not cancelled), whether or not the last poll got through. */
  private expire(): void {
    const now = this.o.ctx.clock.now();
    for (const s of [...this.watching]) {
      if (now < s.deadline!) continue;
      this.unwatch(s);
      this.fail(s, new WaitTimeoutError(s.taskId!, s.status, this.o.timeout));
    }
  }

  private pollFailed(err: unknown): void {
    if (err instanceof AbortedError) return;
    if (err instanceof RateLimitError) {
      this.o.queries.throttle(err.retryAfterMs);
      return;
    }
    if (err instanceof AuthError || err instanceof MissingKeyError) {
      for (const s of [...this.watching]) {
        this.unwatch(s);
        this.fail(s, err);
      }
      this.stop(err);
      return;
    }
    // Anything else (the network, after the client's retries): tried again next interval, until each task's --timeout.
    const { message } = classifyError(err);
    if (!this.warned.has(message)) this.o.ctx.ui.warn(`polling: ${message}; trying again`);
    this.warned.add(message);
  }

  /** A status from the list or a query. */
  private observe(s: LineState, status: string, task?: TaskResponse): void {
    const changed = status !== s.status;
    s.status = status;
    if (!isTerminal(status)) {
      if (changed) {
        void this.record({ type: 'status', id: s.entryId ?? '', taskId: s.taskId!, status });
        this.o.view.event(s.plan.line, status);
      }
      this.o.view.active(s.plan.line, status, s.since);
      return;
    }
    if (status === 'SUCCEEDED') this.o.view.event(s.plan.line, 'SUCCEEDED');
    this.unwatch(s);
    this.spawn(this.settle(s, task));
  }

  /** A finished task: its details confirmed by one query, then its video saved (or its failure recorded). */
  private async settle(s: LineState, known?: TaskResponse): Promise<void> {
    const { client, ctx, view } = this.o;
    try {
      let task = known;
      if (!task) {
        await this.pace();
        task = await client.getTask(s.taskId!, { signal: ctx.signal });
      }
      const o = task.output;
      s.status = o.task_status;
      const expires = o.video_url ? urlExpiry(o.video_url) : undefined;
      await this.record({
        type: 'status',
        id: s.entryId ?? '',
        taskId: s.taskId!,
        status: o.task_status,
        ...(o.code ? { code: o.code } : {}),
        ...(o.message ? { message: o.message } : {}),
        ...(o.end_time ? { endTime: o.end_time } : {}),
        ...(expires ? { videoExpiresAt: expires.toISOString() } : {}),
      });
      if (!isTerminal(o.task_status)) {
        // The list ran ahead of the task's own view: keep watching.
        this.o.lanes.get(s.plan.request.model.id)!.adopt();
        this.watch(s);
        return;
      }
      if (o.task_status !== 'SUCCEEDED')
        throw new TaskFailedError(s.taskId!, o.task_status, o.code, o.message, task.request_id);
      view.active(s.plan.line, 'downloading');
      const finished = task;
      const saved = await this.downloadSlot(() =>
        saveVideo(this.quietCtx, client, finished, {
          file: s.plan.file,
          force: this.o.force,
          sidecar: this.o.sidecar,
          request: s.plan.request,
          region: this.o.region,
        }),
      );
      await this.record({
        type: 'downloaded',
        id: s.entryId ?? '',
        taskId: s.taskId!,
        file: saved.file,
        bytes: saved.bytes,
        sha256: saved.sha256,
      });
      s.saved = { file: saved.file, bytes: saved.bytes, sha256: saved.sha256 };
      s.finished = true;
      this.savedCount++;
      view.active(s.plan.line, undefined);
      view.event(s.plan.line, `saved ${saved.file}`);
      this.progress();
    } catch (err) {
      if (err instanceof AbortedError) view.active(s.plan.line, undefined);
      else this.fail(s, err);
    }
  }

  private watch(s: LineState): void {
    this.watching.add(s);
    this.o.view.active(s.plan.line, s.status, s.since);
    this.progress();
    this.changed.notify();
  }

  /** The task is no longer in flight: its slot goes to the next line. */
  private unwatch(s: LineState): void {
    if (!this.watching.delete(s)) return;
    this.seen.delete(s);
    this.o.lanes.get(s.plan.request.model.id)!.release();
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
    this.o.view.progress({ saved: this.savedCount, failed: this.failedCount, running: this.watching.size });
  }

  private async pace(): Promise<void> {
    await this.o.queries.pace(this.o.ctx.signal);
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

  /** Journal records never cost the batch: a journal that cannot be written costs one warning. */
  private async record(record: JournalRecordInput): Promise<void> {
    if (record.id === '') return; // a task the journal does not know (it was created elsewhere)
    await this.o.ctx
      .journal()
      .append(record)
      .catch((err: Error) => {
        if (!this.warned.has('journal')) this.o.ctx.ui.warn(`could not record in the journal: ${err.message}`);
        this.warned.add('journal');
      });
  }
}

/** Tasks of one kind take about as long as each other: same model, size and video length. */
function kindOf(s: LineState): string {
  const r = s.plan.request;
  return `${r.body.model}\n${r.size}\n${r.duration}`;
}
