import path from 'node:path';
import { Command } from 'commander';
import { findModel } from '../api/catalogue.js';
import { InputError } from '../api/errors/input-error.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

/** Uploaded files stay usable this long (dashscope-api.md §1.3). */
const UPLOAD_LIFETIME_MS = 48 * 3600_000;

export function uploadCommand(app: App): Command {
  return new Command('upload')
    .argument('<file>', 'the audio file')
    .option('-m, --model <id>', 'the model that will use the file (default: config model)')
    .addHelpText(
      'after',
      examples('wan upload voice.mp3 -m wan2.5-t2v-preview', 'wan create "a singer" --audio "$(wan upload voice.wav)"'),
    )
    .action(action(app, runUpload));
}

export async function runUpload(ctx: CommandContext, file: string, flags: { model?: string }): Promise<number> {
  const config = await ctx.config({ model: flags.model });
  const client = await ctx.client();
  const model = findModel(config.values.model)!;
  if (!model.audioUrl) throw new InputError('model', `${model.id} makes silent videos and takes no audio`);
  const modelId = model.ids[client.region] ?? model.id;
  const { url, file: info } = await client.uploadAudio(path.resolve(ctx.io.cwd, file), modelId, { signal: ctx.signal });
  const expiresAt = new Date(ctx.clock.now() + UPLOAD_LIFETIME_MS).toISOString();
  if (ctx.ui.json)
    ctx.ui.resultJson({
      url,
      model: modelId,
      bytes: info.bytes,
      format: info.format,
      seconds: info.seconds ?? null,
      expires_at: expiresAt,
    });
  else {
    ctx.ui.result(url);
    ctx.ui.info(`usable with ${modelId} until ${expiresAt}`);
  }
  return 0;
}
