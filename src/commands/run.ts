import { Command } from 'commander';
import { WanError } from '../api/errors/wan-error.js';
import { createTracked } from '../tasks/create.js';
import { checkTarget, resolveTarget } from '../tasks/output-target.js';
import { alreadySaved } from '../tasks/save-video.js';
import { type App, action, type CommandContext } from './context.js';
import { describeRequest, prepareCreate, runCreate } from './create.js';
import { addCreateOptions, type CreateFlags, configFlagsOf } from './create-options.js';
import { followTasks } from './follow.js';
import { createHelp, examples } from './help-text.js';
import { addWaitOptions, type WaitFlags } from './wait.js';

export function runCommand(app: App): Command {
  const command = new Command('run')
    .argument('[prompt]', 'what the video shows (or - , or stdin when it is not a terminal); optional with an image')
    .addHelpText(
      'after',
      () =>
        createHelp() +
        examples(
          'wan run "a red panda surfing at sunset" -o panda.mp4',
          'wan --sandbox run "a paper boat in the rain" -o boat.mp4',
          'wan run "city timelapse" -m wan2.6-t2v -d 8 --size \'1280*720\' --json',
          'wan run "the cat turns to the camera" --image cat.png -o cat.mp4',
          'wan run "the sun sets over the bay" --first-frame noon.jpg --last-frame dusk.jpg -o bay.mp4',
        ) +
        '\nRunning the same command again resumes its task (or finds its video saved) instead of paying again.\n',
    );
  return addWaitOptions(addCreateOptions(command)).action(action(app, runRun));
}

export async function runRun(
  ctx: CommandContext,
  prompt: string | undefined,
  flags: CreateFlags & WaitFlags,
): Promise<number> {
  if (flags.dryRun) return runCreate(ctx, prompt, flags);
  // The first config() call fixes the flags for the whole command.
  await ctx.config({
    ...configFlagsOf(flags),
    timeout: flags.timeout,
    pollInterval: flags.interval,
    outputDir: flags.outputDir,
  });
  const prepared = await prepareCreate(ctx, prompt, flags, 'run');
  const config = await ctx.config();
  const job = await ctx.job();
  const download = flags.download !== false;
  const target = resolveTarget({ output: flags.output, outputDir: config.values.outputDir }, ctx.io.cwd);
  const output = download && target.kind === 'file' ? target.file : undefined;

  // The same command again, after its video was saved: nothing to pay for, nothing to do.
  const entries = await job.journal.entries();
  const earlier = entries.findLast(
    (e) =>
      e.download !== undefined &&
      e.intent.requestHash === prepared.identity &&
      (flags.idempotencyKey ? e.intent.idempotencyKey === flags.idempotencyKey : e.intent.output === output) &&
      e.download.file === output,
  );
  const saved =
    output && earlier && !flags.force && !flags.new ? await alreadySaved(output, earlier.taskId!, earlier) : undefined;
  if (saved && earlier) {
    ctx.ui.info(
      `task ${earlier.taskId}: already saved as ${saved.file} by an earlier run; nothing to do (--new makes another)`,
    );
    if (ctx.ui.json) ctx.ui.resultJson({ task_id: earlier.taskId, task_status: 'SUCCEEDED', ...saved });
    else ctx.ui.result(saved.file);
    return 0;
  }
  // Refused before the task is created: no paying for a video that could not be saved.
  if (download) await checkTarget(target, { force: flags.force });

  const task = await createTracked(job, prepared.request, {
    idempotencyKey: flags.idempotencyKey,
    resumeSame: true,
    forceNew: flags.new,
    identity: prepared.identity,
    beforeSend: prepared.beforeSend,
    ...(output ? { output } : {}),
  }).catch((err: unknown) => {
    if (err instanceof WanError) err.file ??= output;
    throw err;
  });
  // Named at once, even with --json, so an interrupted run can always be resumed (`wan wait <id>`).
  if (!task.reused)
    ctx.ui.notice(
      `task ${task.taskId} created (${describeRequest(prepared.request, prepared.cost, ctx.flags.sandbox)})`,
    );
  const entry = (await job.journal.entries()).find((e) => e.id === task.entryId);
  const [code] = await followTasks(
    ctx,
    job,
    [
      {
        taskId: task.taskId,
        ...(download ? { target } : {}),
        ...(entry ? { entry } : {}),
        request: prepared.request,
        inputs: prepared.inputs,
        extra: { estimated_cost: prepared.cost ?? null },
      },
    ],
    { force: flags.force, sidecar: flags.sidecar !== false, cancelOnInterrupt: flags.cancelOnInterrupt },
  );
  return code!;
}
