import { Command } from 'commander';
import { UsageError } from '../api/errors/usage-error.js';
import { checkTaskId } from '../api/task-id.js';
import type { TaskEntry } from '../journal/fold.js';
import { worstExit } from '../output/exit-codes.js';
import type { Job } from '../tasks/job.js';
import { checkTarget, resolveTarget, type Target } from '../tasks/output-target.js';
import { reconcileOrphans } from '../tasks/reconcile.js';
import { alreadySaved } from '../tasks/save-video.js';
import { type App, action, type CommandContext } from './context.js';
import { checkOneOutput, type FollowItem, followTasks } from './follow.js';
import { examples } from './help-text.js';

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
    .option('-o, --output <file>', 'where to save the video (missing directories are created; dir/ for a directory)')
    .option('--output-dir <dir>', 'save videos as <dir>/<task_id>.mp4 (default: config outputDir, else .)')
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 90s, 10m, 1h (default 30m)')
    .option('--interval <duration>', 'time between polls, at least 1s (default 5s)')
    .option('--no-download', 'only wait; print the video URL (the task with --json)')
    .option('--force', 'overwrite an existing output file')
    .option('--no-sidecar', 'do not write the <file>.json provenance record')
    .option('--cancel-on-interrupt', 'on Ctrl-C, cancel the task if it is still PENDING (otherwise it keeps running)');
}

export function waitCommand(app: App): Command {
  const command = new Command('wait')
    .argument('[task-id...]', 'one or more task ids (or --pending)')
    .option('--pending', 'every task wan created here that is not downloaded yet (from the journal)')
    .addHelpText(
      'after',
      `${examples(
        'wan wait "$id" -o out.mp4',
        'wan wait "$id1" "$id2" --output-dir videos/ --timeout 20m',
        'wan wait "$id" --no-download --json | jq -r .video_url',
        'wan wait --pending --output-dir videos/     # after a crash: every task not downloaded yet',
      )}\nThe first look at once, then one every --interval until each task ends or --timeout passes.\n`,
    );
  return addWaitOptions(command).action(action(app, runWait));
}

export async function runWait(ctx: CommandContext, ids: string[], flags: WaitFlags): Promise<number> {
  if (flags.pending && ids.length > 0) throw new UsageError('give task ids or --pending, not both', '--pending');
  if (!flags.pending && ids.length === 0) {
    throw new UsageError('missing task id: wan wait <task-id...>, or wan wait --pending (see wan wait --help)');
  }
  checkOneOutput(flags.output, flags.pending ? 2 : ids.length);
  for (const id of ids) checkTaskId(id);
  const config = await ctx.config({ timeout: flags.timeout, pollInterval: flags.interval, outputDir: flags.outputDir });
  const job = await ctx.job();
  const download = flags.download !== false;
  const chosen = resolveTarget({ output: flags.output, outputDir: config.values.outputDir }, ctx.io.cwd);
  const items: FollowItem[] = [];
  if (flags.pending) {
    const entries = await pendingEntries(ctx, job);
    if (entries.length === 0) {
      ctx.ui.info('no pending tasks: every task wan created here is downloaded or ended without a video');
      return 0;
    }
    ctx.ui.info(`waiting for ${entries.length} pending task${entries.length === 1 ? '' : 's'} from the journal`);
    for (const entry of entries) {
      // Where the task was meant to go when it was created, unless told otherwise now.
      const target: Target =
        flags.output === undefined && flags.outputDir === undefined && entry.intent.output
          ? { kind: 'file', file: entry.intent.output }
          : chosen;
      items.push({ taskId: entry.taskId!, entry, ...(download ? { target } : {}) });
    }
  } else {
    const journal = await job.journal.entries();
    for (const id of ids) {
      const entry = journal.findLast((e) => e.taskId === id);
      items.push({ taskId: id, ...(entry ? { entry } : {}), ...(download ? { target: chosen } : {}) });
    }
  }
  // A target that cannot take the video is refused before any waiting.
  if (download && chosen.kind === 'dir') await checkTarget(chosen);
  const [one] = items;
  if (download && chosen.kind === 'file' && one) {
    const mine = async (file: string) => (await alreadySaved(file, one.taskId, one.entry)) !== undefined;
    await checkTarget(chosen, { force: flags.force, mine });
  }
  const options = { force: flags.force, sidecar: flags.sidecar !== false, cancelOnInterrupt: flags.cancelOnInterrupt };
  return worstExit(await followTasks(ctx, job, items, options));
}

/**
 * Tasks of this endpoint the journal holds that may still yield a video not on disk, including
 * creates whose answer never arrived (cut off by Ctrl-C or a crash), looked for in the task list.
 */
export async function pendingEntries(ctx: CommandContext, job: Job): Promise<TaskEntry[]> {
  const here = (e: TaskEntry) => ctx.flags.sandbox || e.intent.baseUrl === job.client.baseUrl;
  const orphans = (await job.journal.orphans()).filter(here);
  if (orphans.length > 0) {
    const found = await reconcileOrphans(job, orphans);
    for (const orphan of orphans) {
      const result = found.get(orphan.id);
      if (result?.kind === 'found')
        ctx.ui.info(`found task ${result.taskId}, whose create was cut off (${orphan.intent.at})`);
      if (result?.kind === 'unsure') {
        ctx.ui.warn(
          `a create cut off at ${orphan.intent.at} ("${orphan.intent.prompt.slice(0, 40)}") may have made one of ${result.candidates.join(', ')}; it is looked for again next time`,
        );
      }
    }
  }
  return (await job.journal.pending()).filter(here);
}
