import { succeeded } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import { DownloadError } from '../api/errors/download-error.js';
import { TaskFailedError } from '../api/errors/task-failed-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { WaitTimeoutError } from '../api/errors/wait-timeout-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { type TaskResponse, text } from '../api/schemas.js';
import { TaskWatcher } from '../api/watcher.js';
import type { TaskEntry } from '../journal/fold.js';
import { downloadView } from '../output/download-progress.js';
import { EXIT } from '../output/exit-codes.js';
import { reportOutcomes, type VideoOutcome } from '../output/github-actions.js';
import { classifyError, reportError } from '../output/report-error.js';
import { taskProgress } from '../output/task-progress.js';
import { type Job, recorder } from '../tasks/job.js';
import { type Target, targetFile } from '../tasks/output-target.js';
import { type InputFile, recognizeSaved, type SavedVideo, saveVideo } from '../tasks/save-video.js';
import { statusRecorder } from '../tasks/status-recorder.js';
import type { CommandContext } from './context.js';

/** One task to see through: wait for it, then save its video. */
export interface FollowItem {
  taskId: string;
  /** Where its video goes (absent with --no-download). */
  target?: Target;
  /** Its journal entry, when wan created it. */
  entry?: TaskEntry;
  /** What `run` knows of the request (for the sidecar). */
  request?: CreateRequest;
  inputs?: InputFile[];
  /** Fields `run` adds to the JSON object (its cost estimate). */
  extra?: Record<string, unknown>;
}

export interface FollowOptions {
  force?: boolean;
  sidecar?: boolean;
  /**
   * `wait` (the default) waits for each task. `sweep` and `download` look once: a task still
   * running is left for later by `sweep` (and a cancelled one is done), an error for `download`.
   */
  mode?: 'wait' | 'sweep' | 'download';
  /** On Ctrl-C, cancel a task still PENDING (the only state the service cancels: nothing is billed). */
  cancelOnInterrupt?: boolean;
}

/** What the saved bytes were checked against (an earlier copy: its recorded SHA-256). */
export function verifiedBy(saved: SavedVideo): string[] {
  return saved.earlier ? ['sha256'] : (saved.verifiedBy ?? []);
}

/** The JSON object `wait`, `run` and `download` print per task: the API's fields plus the file. */
export function videoJson(task: TaskResponse, saved?: SavedVideo): Record<string, unknown> {
  return {
    ...task.output,
    ...(task.usage !== undefined ? { usage: task.usage } : {}),
    request_id: task.request_id ?? null,
    ...(saved ? { file: saved.file, bytes: saved.bytes, sha256: saved.sha256, verified_by: verifiedBy(saved) } : {}),
  };
}

/**
 * Waits for every task with one watcher (one list per interval covers them all), and saves each
 * video the moment its task succeeds. Each task is reported on its own; the exit codes come back in
 * order. On GitHub Actions the outcomes become step outputs and a summary.
 */
export async function followTasks(
  ctx: CommandContext,
  job: Job,
  items: FollowItem[],
  options: FollowOptions = {},
): Promise<number[]> {
  const config = await ctx.config();
  const progress = await taskProgress(ctx.ui, () => ctx.clock.now());
  const record = statusRecorder(job, (id) => items.find((i) => i.taskId === id)?.entry);
  const last = new Map<string, string>();
  const watcher = new TaskWatcher(job.client, {
    signal: job.signal,
    interval: config.values.pollInterval,
    timeout: (options.mode ?? 'wait') === 'wait' ? config.values.timeout : 0,
    onStatus: (task) => {
      last.set(task.output.task_id, task.output.task_status);
      progress.onStatus(task);
      record(task);
    },
    onListRefused: (err) =>
      ctx.ui.warn(`the task list is refused (${classifyError(err).message}); asking for each task instead`),
  });
  const outcomes: VideoOutcome[] = [];
  try {
    return await Promise.all(
      items.map(async (item) => {
        const outcome = await followOne(ctx, job, watcher, item, options, () => progress.stop());
        if (outcome.exitCode === EXIT.INTERRUPTED && options.cancelOnInterrupt && last.get(item.taskId) === 'PENDING') {
          await cancelPending(ctx, job, item.taskId);
        }
        outcomes.push(outcome);
        return outcome.exitCode;
      }),
    );
  } finally {
    progress.stop();
    await reportOutcomes(ctx.io, outcomes);
  }
}

async function followOne(
  ctx: CommandContext,
  job: Job,
  watcher: TaskWatcher,
  item: FollowItem,
  options: FollowOptions,
  stopProgress: () => void,
): Promise<VideoOutcome & { exitCode: number }> {
  const { taskId } = item;
  const file = item.target ? targetFile(item.target, taskId) : undefined;
  try {
    const earlier = file && !options.force ? await recognizeSaved(job, file, taskId, item.entry) : undefined;
    if (earlier) {
      ctx.ui.info(
        `task ${taskId}: already saved as ${earlier.file} (sha256 ${earlier.sha256.slice(0, 16)}…); nothing to do`,
      );
      printSaved(ctx, { output: { task_id: taskId, task_status: 'SUCCEEDED' } }, earlier, item);
      return { taskId, file: earlier.file, sha256: earlier.sha256, bytes: earlier.bytes, exitCode: 0 };
    }
    const since = item.entry ? Date.parse(item.entry.intent.at) : undefined;
    const task = succeeded(await watcher.watch(taskId, since !== undefined ? { since } : {}));
    if (!file) {
      if (ctx.ui.json) ctx.ui.resultJson({ ...videoJson(task), ...item.extra });
      else ctx.ui.result(text(task.output.video_url) ?? '');
      return { taskId, exitCode: 0 };
    }
    if (watcher.size === 0) stopProgress();
    const view = await downloadView(ctx.ui, file);
    const saved = await saveVideo(job, task, {
      file,
      force: options.force,
      sidecar: options.sidecar,
      request: item.request,
      entry: item.entry,
      inputs: item.inputs,
      onProgress: (p) => view.onProgress(p),
      onWait: (holder) => ctx.ui.info(`waiting for wan (pid ${holder.pid}), which is saving ${file}`),
    }).finally(() => view.stop());
    view.done(saved);
    printSaved(ctx, task, saved, item);
    return { taskId, file: saved.file, sha256: saved.sha256, bytes: saved.bytes, exitCode: 0 };
  } catch (caught) {
    let err = caught;
    if (err instanceof WanError) {
      err.taskId ??= taskId;
      err.file ??= item.target?.kind === 'file' ? item.target.file : undefined;
    }
    if (options.mode === 'download' && err instanceof WaitTimeoutError) {
      err = Object.assign(new TaskFailedError(taskId, err.lastStatus, undefined, undefined), { file: err.file });
    }
    if (options.mode === 'sweep' && err instanceof WaitTimeoutError) {
      ctx.ui.info(`task ${taskId}: still ${err.lastStatus}; wan wait --pending waits for it`);
      return { taskId, exitCode: 0 };
    }
    if (options.mode === 'sweep' && err instanceof TaskFailedError && err.status === 'CANCELED') {
      ctx.ui.info(`task ${taskId}: cancelled; nothing to download`);
      return { taskId, exitCode: 0 };
    }
    if (err instanceof DownloadError && err.kind === 'exists' && item.entry && file) {
      // Said once: later sweeps and waits leave this task alone (wan download can still save it elsewhere).
      await recorder(job)({ type: 'download-blocked', id: item.entry.id, taskId, file, reason: err.message });
    }
    const { code, message } = classifyError(err);
    return { taskId, error: { code, message }, exitCode: reportError(err, ctx.ui) };
  }
}

function printSaved(ctx: CommandContext, task: TaskResponse, saved: SavedVideo, item: FollowItem): void {
  if (ctx.ui.json) ctx.ui.resultJson({ ...videoJson(task, saved), ...item.extra });
  else ctx.ui.result(saved.file);
}

/** The process is already interrupted: this one request gets a short budget of its own. */
async function cancelPending(ctx: CommandContext, job: Job, taskId: string): Promise<void> {
  await job.client.cancelTask(taskId, { signal: AbortSignal.timeout(10_000) }).then(
    () => ctx.ui.warn(`task ${taskId} was cancelled (it was still PENDING, so nothing is billed)`),
    (err: Error) => ctx.ui.warn(`could not cancel task ${taskId}: ${err.message}`),
  );
}

/** `-o` names one file: it cannot take several tasks. */
export function checkOneOutput(output: string | undefined, count: number): void {
  if (output !== undefined && count > 1 && !/[\\/]$/.test(output)) {
    throw new UsageError('-o names one file; with several tasks use --output-dir (or -o dir/)', '--output');
  }
}
