import path from 'node:path';
import { Command } from 'commander';
import { WanError } from '../api/errors/wan-error.js';
import { gitHubSummaryHeader } from '../output/github-actions.js';
import { taskProgress } from '../output/task-progress.js';
import { type App, action, type CommandContext } from './context.js';
import { describeRequest, prepareCreate, runCreate } from './create.js';
import { addCreateOptions, type CreateFlags, configFlagsOf } from './create-options.js';
import { examples } from './help-text.js';
import { resolveOutputPath } from './output-path.js';
import { createTracked } from './tracked-create.js';
import { addWaitOptions, type WaitFlags, waitOne } from './wait.js';

export function runCommand(app: App): Command {
  const command = new Command('run')
    .description('create a video, wait for it and download it: the whole job in one command')
    .argument('[prompt]', 'what the video shows')
    .addHelpText(
      'after',
      examples(
        'wan run "a red panda surfing at sunset" -o panda.mp4',
        'wan --sandbox run "a paper boat in the rain" -o boat.mp4',
        'wan run "city timelapse" -m wan2.6-t2v -d 8 --size 1280*720 --json',
      ),
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
  const config = await ctx.config({
    ...configFlagsOf(flags),
    timeout: flags.timeout,
    pollInterval: flags.interval,
    outputDir: flags.outputDir,
  });
  const { client, request, cost } = await prepareCreate(ctx, prompt, flags);
  // Refuse an existing -o before paying for a video that could not be saved.
  if (flags.download !== false && flags.output !== undefined) {
    await resolveOutputPath(
      { output: flags.output, outputDir: config.values.outputDir, force: flags.force },
      '',
      ctx.io.cwd,
    );
  }
  const output =
    flags.download !== false && flags.output !== undefined ? path.resolve(ctx.io.cwd, flags.output) : undefined;
  const task = await createTracked(ctx, client, request, {
    idempotencyKey: flags.idempotencyKey,
    forceNew: flags.new,
    output,
  });
  // Printed at once, so an interrupted run can be resumed with `wan wait <id>`.
  if (!task.reused) ctx.ui.info(`task ${task.taskId} created (${describeRequest(request, cost, ctx.flags.sandbox)})`);
  const progress = await taskProgress(ctx.ui, () => ctx.clock.now());
  await gitHubSummaryHeader(ctx.io);
  try {
    return await waitOne(ctx, client, task.taskId, flags, progress, request, { estimated_cost: cost ?? null });
  } catch (err) {
    if (err instanceof WanError) err.taskId ??= task.taskId;
    throw err;
  } finally {
    progress.stop();
  }
}
