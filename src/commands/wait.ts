import path from 'node:path';
import { Command } from 'commander';
import type { WanClient } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import { urlExpiry } from '../api/download/signed-url.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { WanError } from '../api/errors/wan-error.js';
import type { TaskResponse } from '../api/schemas.js';
import { checkTaskId } from '../api/task-id.js';
import { worstExit } from '../output/exit-codes.js';
import { gitHubSummaryHeader, reportToGitHub } from '../output/github-actions.js';
import { classifyError, reportError } from '../output/report-error.js';
import { type TaskProgress, taskProgress } from '../output/task-progress.js';
import { alreadySaved } from './already-saved.js';
import { type App, action, type CommandContext } from './context.js';
import { saveVideo, videoJson, waitFor } from './fetch-video.js';
import { examples } from './help-text.js';
import { resolveOutputPath } from './output-path.js';
import { UsageError } from './usage-error.js';
import { LIST_POLL_FROM, waitMany } from './wait-many.js';

export interface WaitFlags {
  output?: string;
  outputDir?: string;
  timeout?: string;
  interval?: string;
  download?: boolean;
  force?: boolean;
  sidecar?: boolean;
  cancelOnInterrupt?: boolean;
  pending?: boolean;
}

export function addWaitOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'where to save the video (one task)')
    .option(
      '--output-dir <dir>',
      'save videos as <dir>/<task_id>.mp4 (created if missing; default: config outputDir or .)',
    )
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 90s, 10m, 1h (default 30m, config timeout)')
    .option('--interval <duration>', 'time between polls, at least 1s (default 5s, config pollInterval)')
    .option('--no-download', 'only wait; print the task, do not save the video')
    .option('--force', 'overwrite an existing output file')
    .option('--no-sidecar', 'do not write the <file>.json provenance record')
    .option('--cancel-on-interrupt', 'on Ctrl-C, cancel the task if it is still PENDING (otherwise it keeps running)');
}

function addPendingOption(command: Command): Command {
  return command.option(
    '--pending',
    'wait for and download every task wan created that is not downloaded yet (from the journal)',
  );
}

export function waitCommand(app: App): Command {
  const command = new Command('wait')
    .description('poll tasks until they finish, then download their videos')
    .argument('[task-id...]', 'one or more task ids (or --pending)')
    .addHelpText(
      'after',
      `${examples(
        'wan wait "$id" -o out.mp4',
        'wan wait "$id1" "$id2" --output-dir videos/ --timeout 20m',
        'wan wait "$id" --no-download --json | jq -r .video_url',
        'wan wait --pending --output-dir videos/     # after a crash: every task not downloaded yet',
      )}\nPolls once at once, then every --interval until the task ends or --timeout passes.\n`,
    );
  return addPendingOption(addWaitOptions(command)).action(action(app, runWait));
}

export async function runWait(ctx: CommandContext, ids: string[], flags: WaitFlags): Promise<number> {
  if (flags.pending && ids.length > 0) throw new UsageError('give task ids or --pending, not both', '--pending');
  if (!flags.pending && ids.length === 0)
    throw new UsageError('missing task id: wan wait <task-id...>, or wan wait --pending');
  if (flags.output !== undefined && (ids.length > 1 || flags.pending))
    throw new UsageError('-o names one file; with several tasks use --output-dir', '--output');
  ids.forEach(checkTaskId);
  await ctx.config({ timeout: flags.timeout, pollInterval: flags.interval, outputDir: flags.outputDir });
  const client = await ctx.client();
  const outputs = new Map<string, string | undefined>();
  if (flags.pending) {
    for (const entry of await ctx.journal().pending()) {
      // Tasks live in one region's service: those created against another base URL are not visible here.
      if (ctx.flags.sandbox || entry.intent.baseUrl === client.baseUrl) outputs.set(entry.taskId!, entry.intent.output);
    }
    if (outputs.size === 0) {
      ctx.ui.info('no pending tasks: every task wan created here is downloaded or ended without a video');
      return 0;
    }
    ctx.ui.info(`waiting for ${outputs.size} pending task${outputs.size === 1 ? '' : 's'} from the journal`);
  }
  const taskIds = flags.pending ? [...outputs.keys()] : ids;
  const progress = await taskProgress(ctx.ui, () => ctx.clock.now());
  await gitHubSummaryHeader(ctx.io);
  try {
    const one = (id: string) =>
      waitOne(ctx, client, id, { ...flags, output: flags.output ?? outputs.get(id) }, progress);
    const config = await ctx.config();
    const codes =
      taskIds.length >= LIST_POLL_FROM
        ? await waitMany(
            ctx,
            client,
            taskIds,
            { timeout: config.values.timeout, interval: config.values.pollInterval },
            progress,
            one,
          )
        : await Promise.all(taskIds.map(one));
    return worstExit(codes);
  } finally {
    progress.stop();
  }
}

/** One task: wait, download, report; returns its exit code so the others go on. */
export async function waitOne(
  ctx: CommandContext,
  client: WanClient,
  taskId: string,
  flags: WaitFlags,
  progress: TaskProgress,
  request?: CreateRequest,
  /** Fields `run` adds to the JSON object (its cost estimate). */
  extra: Record<string, unknown> = {},
): Promise<number> {
  const config = await ctx.config();
  const record = await journalRecorder(ctx, taskId);
  try {
    const download = flags.download !== false;
    const earlier =
      download && !flags.force ? await savedEarlier(ctx, config.values.outputDir, flags.output, taskId) : undefined;
    if (earlier) {
      ctx.ui.info(
        `task ${taskId}: already saved as ${earlier.file} (sha256 ${earlier.sha256.slice(0, 16)}…); nothing to do`,
      );
      if (ctx.ui.json) ctx.ui.resultJson({ task_id: taskId, task_status: 'SUCCEEDED', ...earlier, ...extra });
      else ctx.ui.result(earlier.file);
      return 0;
    }
    const file = download
      ? await resolveOutputPath(
          { output: flags.output, outputDir: config.values.outputDir, force: flags.force },
          `${taskId}.mp4`,
          ctx.io.cwd,
        )
      : undefined;
    const task = await waitWithInterrupt(ctx, client, taskId, flags, {
      ...progress,
      onStatus: (t) => {
        record.status(t);
        progress.onStatus(t);
      },
    });
    if (!file) {
      progress.line(`task ${taskId}: SUCCEEDED`);
      if (ctx.ui.json) ctx.ui.resultJson({ ...videoJson(task), ...extra });
      else ctx.ui.result(task.output.video_url ?? '');
      return 0;
    }
    const saved = await saveVideo(
      ctx,
      client,
      task,
      { file, force: flags.force, sidecar: flags.sidecar !== false, request, region: config.values.region },
      progress,
    );
    if (ctx.ui.json) ctx.ui.resultJson({ ...videoJson(task, saved), ...extra });
    else ctx.ui.result(saved.file);
    await record.downloaded(saved.file, saved.bytes, saved.sha256);
    await reportToGitHub(ctx.io, { taskId, file: saved.file, sha256: saved.sha256, bytes: saved.bytes });
    return 0;
  } catch (err) {
    if (err instanceof WanError) err.taskId ??= taskId;
    progress.stop();
    const { code, message } = classifyError(err);
    await reportToGitHub(ctx.io, { taskId, error: { code, message } });
    return reportError(err, ctx.ui);
  }
}

async function waitWithInterrupt(
  ctx: CommandContext,
  client: WanClient,
  taskId: string,
  flags: WaitFlags,
  progress: TaskProgress,
) {
  const config = await ctx.config();
  let last = '';
  const tracking: TaskProgress = {
    ...progress,
    onStatus: (t) => {
      last = t.output.task_status;
      progress.onStatus(t);
    },
  };
  try {
    return await waitFor(
      ctx,
      client,
      taskId,
      { timeout: config.values.timeout, interval: config.values.pollInterval },
      tracking,
    );
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

/**
 * Records what happens to a journaled task (status changes, the download), so `wan wait --pending`
 * and `wan list` know. Tasks wan did not create are not journaled; a journal that cannot be
 * written costs a warning, never the wait.
 */
async function journalRecorder(ctx: CommandContext, taskId: string) {
  const journal = ctx.journal();
  const entry = await journal.findByTaskId(taskId).catch(() => undefined);
  let last = entry?.status;
  let warned = false;
  const append = async (record: Parameters<typeof journal.append>[0]) => {
    await journal.append(record).catch((err: Error) => {
      if (!warned) ctx.ui.warn(`could not record task ${taskId} in the journal: ${err.message}`);
      warned = true;
    });
  };
  return {
    status(task: TaskResponse): void {
      const o = task.output;
      if (!entry || o.task_status === last) return;
      last = o.task_status;
      const expires = o.video_url ? urlExpiry(o.video_url) : undefined;
      void append({
        type: 'status',
        id: entry.id,
        taskId,
        status: o.task_status,
        ...(o.code ? { code: o.code } : {}),
        ...(o.message ? { message: o.message } : {}),
        ...(o.end_time ? { endTime: o.end_time } : {}),
        ...(expires ? { videoExpiresAt: expires.toISOString() } : {}),
      });
    },
    async downloaded(file: string, bytes: number, sha256: string): Promise<void> {
      if (entry) await append({ type: 'downloaded', id: entry.id, taskId, file, bytes, sha256 });
    },
  };
}

/** The file a re-run would write, if wan already saved this task's video there. */
async function savedEarlier(
  ctx: CommandContext,
  outputDir: string | undefined,
  output: string | undefined,
  taskId: string,
) {
  const file =
    output !== undefined
      ? path.resolve(ctx.io.cwd, output)
      : path.resolve(ctx.io.cwd, outputDir ?? '.', `${taskId}.mp4`);
  return alreadySaved(file, taskId);
}
