import path from 'node:path';
import { Command } from 'commander';
import { findModel } from '../api/catalogue.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

/** Uploaded files stay usable this long (dashscope-api.md §1.3). */
const UPLOAD_LIFETIME_MS = 48 * 3600_000;

export function uploadCommand(app: App): Command {
  return new Command('upload')
    .argument('<file>', 'an image, a clip or a wav/mp3')
    .option('-m, --model <id>', 'the model that will use the file (default: config model)')
    .addHelpText(
      'after',
      examples(
        'wan upload voice.mp3 -m wan2.5-t2v-preview',
        'wan create "a singer" --audio "$(wan upload voice.wav)"',
        'wan run "character1 waves hello" -m wan2.6-r2v-flash --reference "$(wan upload hero.png -m wan2.6-r2v-flash)"',
      ),
    )
    .action(action(app, runUpload));
}

export async function runUpload(ctx: CommandContext, file: string, flags: { model?: string }): Promise<number> {
  const config = await ctx.config({ model: flags.model });
  const client = await ctx.client();
  const model = findModel(config.values.model)!;
  const modelId = model.ids[client.region] ?? model.id;
  const local = path.resolve(ctx.io.cwd, file);
  const { url, file: info } = await client.uploadFile(local, modelId, { signal: ctx.signal });
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
