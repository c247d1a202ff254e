import { Command } from 'commander';
import type { WanClient } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { worstExit } from '../output/exit-codes.js';
import { reportError } from '../output/report-error.js';
import { taskProgress, type TaskProgress } from '../output/task-progress.js';
import { checkTaskId } from '../api/task-id.js';
import { action, type App, type CommandContext } from './context.js';
import { saveVideo, videoJson, waitFor } from './fetch-video.js';
import { examples } from './help-text.js';
import { resolveOutputPath } from './output-path.js';
import { UsageError } from './usage-error.js';

export interface WaitFlags {
  output?: string;
  outputDir?: string;
  timeout?: string;
  interval?: string;
  download?: boolean;
  force?: boolean;
  sidecar?: boolean;
  cancelOnInterrupt?: boolean;
}

export function addWaitOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'where to save the video (one task)')
    .option('--output-dir <dir>', 'save videos as <dir>/<task_id>.mp4 (created if missing; default: config outputDir or .)')
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 90s, 10m, 1h (default 30m, config timeout)')
    .option('--interval <duration>', 'time between polls, at least 1s (default 5s, config pollInterval)')
    .option('--no-download', 'only wait; print the task, do not save the video')
    .option('--force', 'overwrite an existing output file')
    .option('--no-sidecar', 'do not write the <file>.json provenance record')
    .option('--cancel-on-interrupt', 'on Ctrl-C, cancel the task if it is still PENDING (otherwise it keeps running)');
}

export function waitCommand(app: App): Command {
  const command = new Command('wait')
    .description('poll tasks until they finish, then download their videos')
    .argument('<task-id...>', 'one or more task ids')
    .addHelpText(
      'after',
      examples(
        'wan wait "$id" -o out.mp4',
        'wan wait "$id1" "$id2" --output-dir videos/ --timeout 20m',
        'wan wait "$id" --no-download --json | jq -r .video_url',
      ) + '\nPolls once at once, then every --interval until the task ends or --timeout passes.\n',
    );
  return addWaitOptions(command).action(action(app, runWait));
}

export async function runWait(ctx: CommandContext, taskIds: string[], flags: WaitFlags): Promise<number> {
  if (flags.output !== undefined && taskIds.length > 1) throw new UsageError('-o names one file; with several tasks use --output-dir', '--output');
  taskIds.forEach(checkTaskId);
  await ctx.config({ timeout: flags.timeout, pollInterval: flags.interval, outputDir: flags.outputDir });
  const client = await ctx.client();
  const progress = await taskProgress(ctx.ui, () => ctx.clock.now());
  try {
    const codes = await Promise.all(taskIds.map((id) => waitOne(ctx, client, id, flags, progress)));
    return worstExit(codes);
  } finally {
    progress.stop();
  }
}

/** One task: wait, download, report; returns its exit code so the others go on. */
export async function waitOne(ctx: CommandContext, client: WanClient, taskId: string, flags: WaitFlags, progress: TaskProgress, request?: CreateRequest): Promise<number> {
  const config = await ctx.config();
  try {
    const download = flags.download !== false;
    const file = download
      ? await resolveOutputPath({ output: flags.output, outputDir: config.values.outputDir, force: flags.force }, `${taskId}.mp4`, ctx.io.cwd)
      : undefined;
    const task = await waitWithInterrupt(ctx, client, taskId, flags, progress);
    if (!file) {
      progress.line(`task ${taskId}: SUCCEEDED`);
      if (ctx.ui.json) ctx.ui.resultJson(videoJson(task));
      else ctx.ui.result(task.output.video_url ?? '');
      return 0;
    }
    const saved = await saveVideo(ctx, client, task, { file, force: flags.force, sidecar: flags.sidecar !== false, request, region: config.values.region }, progress);
    if (ctx.ui.json) ctx.ui.resultJson(videoJson(task, saved));
    else ctx.ui.result(saved.file);
    return 0;
  } catch (err) {
    if (err instanceof WanError) err.taskId ??= taskId;
    progress.stop();
    return reportError(err, ctx.ui);
  }
}

async function waitWithInterrupt(ctx: CommandContext, client: WanClient, taskId: string, flags: WaitFlags, progress: TaskProgress) {
  const config = await ctx.config();
  let last = '';
  const tracking: TaskProgress = { ...progress, onStatus: (t) => ((last = t.output.task_status), progress.onStatus(t)) };
  try {
    return await waitFor(ctx, client, taskId, { timeout: config.values.timeout, interval: config.values.pollInterval }, tracking);
  } catch (err) {
    if (err instanceof AbortedError && flags.cancelOnInterrupt && last === 'PENDING') {
      // The process is already interrupted; this one request gets its own short budget.
      await client.cancelTask(taskId, { signal: AbortSignal.timeout(10_000) }).then(
        () => ctx.ui.warn(`task ${taskId} was cancelled (it was still PENDING, so nothing is billed)`),
        (cancelError: Error) => ctx.ui.warn(`could not cancel task ${taskId}: ${cancelError.message}`),
      );
    }
    throw err;
  }
}
