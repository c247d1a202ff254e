import { Command } from 'commander';
import { worstExit } from '../output/exit-codes.js';
import { formatDuration } from '../output/format.js';
import { resolveTarget, type Target } from '../tasks/output-target.js';
import { type App, action, type CommandContext } from './context.js';
import { followTasks } from './follow.js';
import { examples } from './help-text.js';
import { pendingEntries } from './wait.js';

/** A finished video whose URL dies sooner than this gets a warning: it must be fetched now. */
const EXPIRY_WARNING_MS = 3600_000;

export function sweepCommand(app: App): Command {
  return new Command('sweep')
    .option('--output-dir <dir>', 'where tasks created without -o are saved (default: config outputDir, else .)')
    .option('--force', 'overwrite existing files')
    .addHelpText(
      'after',
      examples(
        'wan sweep',
        'wan sweep --output-dir videos/ --json',
        '# hourly: 0 * * * * wan sweep --output-dir ~/videos',
      ),
    )
    .action(action(app, runSweep));
}

/**
 * One look at each pending task (one list covers them all): a finished one is saved, a running one
 * left for later, a cancelled one is done. A video whose file is taken by another video is said
 * once (exit 6) and set aside in the journal, so later sweeps do not say it again.
 */
export async function runSweep(ctx: CommandContext, flags: { outputDir?: string; force?: boolean }): Promise<number> {
  const config = await ctx.config({ outputDir: flags.outputDir });
  const job = await ctx.job();
  const entries = await pendingEntries(ctx, job);
  if (entries.length === 0) {
    ctx.ui.info('nothing to sweep: every task wan created here is downloaded or ended without a video');
    return 0;
  }
  const dir = resolveTarget({ outputDir: config.values.outputDir }, ctx.io.cwd);
  const items = entries.map((entry) => {
    const target: Target =
      flags.outputDir === undefined && entry.intent.output ? { kind: 'file', file: entry.intent.output } : dir;
    return { taskId: entry.taskId!, entry, target };
  });
  for (const entry of entries) {
    const expires = entry.videoExpiresAt ? Date.parse(entry.videoExpiresAt) - ctx.clock.now() : undefined;
    if (expires !== undefined && expires < EXPIRY_WARNING_MS) {
      ctx.ui.warn(`task ${entry.taskId}: its video URL expires in ${formatDuration(Math.max(0, expires))}`);
    }
  }
  return worstExit(await followTasks(ctx, job, items, { force: flags.force, mode: 'sweep' }));
}
