import { Command } from 'commander';
import { urlExpiry } from '../api/download/signed-url.js';
import { isTerminal } from '../api/task-status.js';
import { worstExit } from '../output/exit-codes.js';
import { formatDuration } from '../output/format.js';
import { taskProgress } from '../output/task-progress.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';
import { waitOne } from './wait.js';

/** A finished video whose URL dies sooner than this gets a warning: it must be fetched now. */
const EXPIRY_WARNING_MS = 3600_000;

export function sweepCommand(app: App): Command {
  return new Command('sweep')
    .description(
      'download every finished task wan created that is not downloaded yet, before its URL expires (never waits)',
    )
    .option('--output-dir <dir>', 'where tasks created without -o are saved (default: config outputDir or .)')
    .option('--force', 'overwrite existing files')
    .addHelpText(
      'after',
      examples(
        'wan sweep',
        'wan sweep --output-dir videos/ --json',
        '# nightly: 0 * * * * wan sweep --output-dir ~/videos',
      ),
    )
    .action(action(app, runSweep));
}

export async function runSweep(ctx: CommandContext, flags: { outputDir?: string; force?: boolean }): Promise<number> {
  await ctx.config({ outputDir: flags.outputDir });
  const client = await ctx.client();
  const entries = (await ctx.journal().pending()).filter(
    (e) => ctx.flags.sandbox || e.intent.baseUrl === client.baseUrl,
  );
  const progress = await taskProgress(ctx.ui, () => ctx.clock.now());
  const codes: number[] = [];
  try {
    for (const entry of entries) {
      const taskId = entry.taskId!;
      const task = await client.getTask(taskId, { signal: ctx.signal });
      const status = task.output.task_status;
      if (!isTerminal(status)) {
        ctx.ui.info(`task ${taskId}: still ${status}; wan wait --pending waits for it`);
        continue;
      }
      const expires = task.output.video_url ? urlExpiry(task.output.video_url) : undefined;
      const left = expires ? expires.getTime() - ctx.clock.now() : undefined;
      if (left !== undefined && left < EXPIRY_WARNING_MS)
        ctx.ui.warn(`task ${taskId}: its video URL expires in ${formatDuration(Math.max(0, left))}`);
      codes.push(await waitOne(ctx, client, taskId, { output: entry.intent.output, force: flags.force }, progress));
    }
  } finally {
    progress.stop();
  }
  if (entries.length === 0)
    ctx.ui.info('nothing to sweep: every task wan created here is downloaded or ended without a video');
  return worstExit(codes);
}
