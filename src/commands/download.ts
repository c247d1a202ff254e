import path from 'node:path';
import { Command } from 'commander';
import type { TaskResponse } from '../api/schemas.js';
import { checkTaskId } from '../api/task-id.js';
import { alreadySaved } from './already-saved.js';
import { type App, action, type CommandContext } from './context.js';
import { saveVideo, videoJson } from './fetch-video.js';
import { examples } from './help-text.js';
import { resolveOutputPath } from './output-path.js';
import { UsageError } from './usage-error.js';

interface DownloadFlags {
  output?: string;
  outputDir?: string;
  force?: boolean;
  sidecar?: boolean;
}

export function downloadCommand(app: App): Command {
  return new Command('download')
    .description("save a finished task's video (by task id or signed video URL), resumable and verified")
    .argument('<task-id-or-url>', 'a task id, or the video_url of a finished task')
    .option('-o, --output <file>', 'where to save the video (default <task_id>.mp4)')
    .option('--output-dir <dir>', 'directory for the default file name (created if missing)')
    .option('--force', 'overwrite an existing file')
    .option(
      '--no-sidecar',
      'do not write the <file>.json provenance record (nor compute the SHA-256 it records, unless --json)',
    )
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

export async function runDownload(ctx: CommandContext, source: string, flags: DownloadFlags): Promise<number> {
  const isUrl = /^https?:\/\//i.test(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !isUrl)
    throw new UsageError(`only http(s) video URLs can be downloaded; got ${source.split(':')[0]}://`);
  if (!isUrl) checkTaskId(source);
  const config = await ctx.config({ outputDir: flags.outputDir });
  const name = isUrl ? path.basename(new URL(source).pathname) || 'video.mp4' : `${source}.mp4`;
  const target = path.resolve(ctx.io.cwd, flags.output ?? path.join(config.values.outputDir ?? '.', name));
  const earlier = !isUrl && !flags.force ? await alreadySaved(target, source) : undefined;
  if (earlier) {
    ctx.ui.info(`task ${source}: already saved as ${earlier.file}; nothing to do`);
    if (ctx.ui.json) ctx.ui.resultJson({ task_id: source, task_status: 'SUCCEEDED', ...earlier });
    else ctx.ui.result(earlier.file);
    return 0;
  }
  const file = await resolveOutputPath(
    { output: flags.output, outputDir: config.values.outputDir, force: flags.force },
    name,
    ctx.io.cwd,
  );
  const client = await ctx.client();
  const task: TaskResponse = isUrl
    ? { request_id: '', output: { task_id: path.basename(name, '.mp4'), task_status: 'SUCCEEDED', video_url: source } }
    : await client.getTask(source, { signal: ctx.signal });
  const sidecar = flags.sidecar !== false;
  // The SHA-256 is for the sidecar and the JSON; without either, the CRC-64 alone verifies the file.
  const saved = await saveVideo(ctx, client, task, {
    file,
    force: flags.force,
    sidecar,
    region: config.values.region,
    sha256: sidecar || ctx.ui.json,
  });
  if (ctx.ui.json)
    ctx.ui.resultJson(isUrl ? { file: saved.file, bytes: saved.bytes, sha256: saved.sha256 } : videoJson(task, saved));
  else ctx.ui.result(saved.file);
  return 0;
}
