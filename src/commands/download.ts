import path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../api/errors/usage-error.js';
import type { TaskResponse } from '../api/schemas.js';
import { checkTaskId } from '../api/task-id.js';
import { downloadView } from '../output/download-progress.js';
import { checkTarget, resolveTarget, targetFile } from '../tasks/output-target.js';
import { alreadySaved, saveVideo } from '../tasks/save-video.js';
import { type App, action, type CommandContext } from './context.js';
import { followTasks, verifiedBy } from './follow.js';
import { examples } from './help-text.js';

interface DownloadFlags {
  output?: string;
  outputDir?: string;
  force?: boolean;
  sidecar?: boolean;
}

export function downloadCommand(app: App): Command {
  return new Command('download')
    .argument('[task-id-or-url]', 'a task id, or the video_url of a finished task')
    .option('-o, --output <file>', 'where to save the video (default <task_id>.mp4; missing directories are created)')
    .option('--output-dir <dir>', 'directory for the default file name (default: config outputDir, else .)')
    .option('--force', 'overwrite an existing file')
    .option('--no-sidecar', 'do not write the <file>.json provenance record')
    .addHelpText(
      'after',
      examples(
        'wan download "$id" -o out.mp4',
        'wan download "https://…/task.mp4?Expires=…&Signature=…" -o out.mp4',
        'wan download "$id" --json | jq -r .sha256',
      ),
    )
    .action(action(app, runDownload));
}

export async function runDownload(
  ctx: CommandContext,
  source: string | undefined,
  flags: DownloadFlags,
): Promise<number> {
  if (source === undefined)
    throw new UsageError('missing task id or video URL: wan download <task-id | video-url> (see wan download --help)');
  const isUrl = /^https?:\/\//i.test(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !isUrl) {
    throw new UsageError(`only http(s) video URLs can be downloaded; got ${source.split(':')[0]}://`);
  }
  const config = await ctx.config({ outputDir: flags.outputDir });
  const target = resolveTarget({ output: flags.output, outputDir: config.values.outputDir }, ctx.io.cwd);
  if (!isUrl) {
    checkTaskId(source);
    const job = await ctx.job();
    const entry = (await job.journal.entries()).findLast((e) => e.taskId === source);
    const mine = async (file: string) => (await alreadySaved(file, source, entry)) !== undefined;
    await checkTarget(target, { force: flags.force, mine });
    // One look: a task still running is said so (exit 4) rather than waited for (that is wan wait).
    const [code] = await followTasks(ctx, job, [{ taskId: source, target, ...(entry ? { entry } : {}) }], {
      force: flags.force,
      sidecar: flags.sidecar !== false,
      mode: 'download',
    });
    return code!;
  }
  const url = await sandboxUrl(ctx, source);
  const name = path.basename(new URL(url).pathname) || 'video.mp4';
  const file = targetFile(target, path.basename(name, '.mp4'));
  await checkTarget({ kind: 'file', file }, { force: flags.force, flag: flags.output ? '--output' : '--output-dir' });
  const job = await ctx.job();
  const task: TaskResponse = {
    output: { task_id: path.basename(name, '.mp4'), task_status: 'SUCCEEDED', video_url: url },
  };
  const view = await downloadView(ctx.ui, file);
  const saved = await saveVideo(job, task, {
    file,
    force: flags.force,
    sidecar: flags.sidecar !== false,
    onProgress: (p) => view.onProgress(p),
    onWait: (holder) => ctx.ui.info(`waiting for wan (pid ${holder.pid}), which is saving ${file}`),
  }).finally(() => view.stop());
  view.done(saved);
  if (ctx.ui.json)
    ctx.ui.resultJson({ file: saved.file, bytes: saved.bytes, sha256: saved.sha256, verified_by: verifiedBy(saved) });
  else ctx.ui.result(saved.file);
  return 0;
}

/**
 * With --sandbox, a video URL issued by an earlier `wan --sandbox` process points at a port that
 * process no longer listens on; the sandbox's state (and URL-signing secret) is on disk, so this
 * process's sandbox serves the same URL on its own port.
 */
async function sandboxUrl(ctx: CommandContext, url: string): Promise<string> {
  if (!ctx.flags.sandbox) return url;
  const origin = await ctx.sandboxVideoOrigin();
  const parsed = new URL(url);
  if (!/^(127\.0\.0\.1|localhost|\[::1\])$/.test(parsed.hostname) || origin === undefined) return url;
  return `${origin}${parsed.pathname}${parsed.search}`;
}
