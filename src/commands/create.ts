import path from 'node:path';
import { Command } from 'commander';
import { checkAudioFile } from '../api/audio-file.js';
import type { WanClient } from '../api/client.js';
import { type CostEstimate, estimateCost } from '../api/cost.js';
import type { CreateRequest } from '../api/create-request.js';
import { redactHeaders } from '../api/redact.js';
import { formatMoney } from '../output/format.js';
import { type App, action, type CommandContext } from './context.js';
import { addCreateOptions, type CreateFlags, configFlagsOf, createOptionsOf, readPrompt } from './create-options.js';
import { examples } from './help-text.js';
import { createTracked } from './tracked-create.js';
import { UsageError } from './usage-error.js';

export function createCommand(app: App): Command {
  const command = new Command('create')
    .description('create a video task and print its id (does not wait)')
    .argument('[prompt]', 'what the video shows')
    .addHelpText(
      'after',
      examples(
        'wan create "a red panda surfing at sunset" --size 832*480 --duration 10',
        'id=$(wan create "a lighthouse in a storm" -m wan2.2-t2v-plus) && wan wait "$id" -o storm.mp4',
        'wan create --prompt-file prompt.txt --json | jq -r .task_id',
        'wan create "a cat" --dry-run',
      ),
    );
  return addCreateOptions(command).action(action(app, runCreate));
}

export interface PreparedCreate {
  client: WanClient;
  request: CreateRequest;
  cost?: CostEstimate;
}

/** Validated, priced and checked against --max-cost, before anything is sent: shared by create and run. */
export async function prepareCreate(
  ctx: CommandContext,
  prompt: string | undefined,
  flags: CreateFlags,
): Promise<PreparedCreate> {
  const text = await readPrompt(prompt, flags, ctx.io);
  const config = await ctx.config(configFlagsOf(flags));
  const client = await ctx.client();
  const options = createOptionsOf(text, flags, config);
  if (flags.audio !== undefined && flags.audioUrl !== undefined)
    throw new UsageError('give --audio or --audio-url, not both', '--audio');
  // Checked with a stand-in URL first, so a model without sound or a bad file costs no upload.
  let request = client.prepareCreate(
    flags.audio !== undefined ? { ...options, audioUrl: 'oss://uploaded-when-sent' } : options,
  );
  if (flags.audio !== undefined) {
    const file = path.resolve(ctx.io.cwd, flags.audio);
    await checkAudioFile(file);
    if (!flags.dryRun) {
      const { url } = await client.uploadAudio(file, request.body.model, { signal: ctx.signal });
      ctx.ui.info(`uploaded ${flags.audio} as ${url}`);
      request = client.prepareCreate({ ...options, audioUrl: url });
    }
  }
  for (const warning of request.warnings) ctx.ui.warn(warning);
  const cost = estimateCost(request.model, client.region, request.tier, request.duration);
  const maxCost = config.values.maxCost;
  if (maxCost !== undefined) {
    if (!cost)
      throw new UsageError(
        `no price is known for ${request.body.model} in ${client.region}, so the cost cannot be checked`,
        '--max-cost',
      );
    if (cost.amount > maxCost) {
      throw new UsageError(
        `the estimated cost ${formatMoney(cost.amount, cost.currency)} is above ${formatMoney(maxCost, cost.currency)}; nothing was sent`,
        '--max-cost',
      );
    }
  }
  return { client, request, cost };
}

export async function runCreate(ctx: CommandContext, prompt: string | undefined, flags: CreateFlags): Promise<number> {
  const { client, request, cost } = await prepareCreate(ctx, prompt, flags);
  if (flags.dryRun) return printDryRun(ctx, client, request, cost);
  const task = await createTracked(ctx, client, request, { idempotencyKey: flags.idempotencyKey, forceNew: flags.new });
  if (ctx.ui.json) {
    ctx.ui.resultJson({
      task_id: task.taskId,
      task_status: task.status ?? null,
      reused: task.reused,
      request_id: task.requestId ?? null,
      model: request.body.model,
      input: request.body.input,
      parameters: request.body.parameters,
      estimated_cost: cost ?? null,
    });
  } else {
    ctx.ui.result(task.taskId);
    if (ctx.io.stderr.isTTY) ctx.ui.info(ctx.ui.err.dim(summary(request, task.taskId, cost, ctx.flags.sandbox)));
  }
  return 0;
}

export function summary(request: CreateRequest, taskId: string, cost?: CostEstimate, sandbox = false): string {
  return `created task ${taskId}: ${describeRequest(request, cost, sandbox)} — wait for it with: wan wait ${taskId}`;
}

/** `wan2.5-t2v-preview, 832*480 (480P), 5s, about 1.50 CNY` */
export function describeRequest(request: CreateRequest, cost?: CostEstimate, sandbox = false): string {
  const price = cost
    ? `, about ${formatMoney(cost.amount, cost.currency)}${sandbox ? ' on the real service (the sandbox bills nothing)' : ''}`
    : '';
  return `${request.body.model}, ${request.size} (${request.tier}), ${request.duration}s${price}`;
}

function printDryRun(ctx: CommandContext, client: WanClient, request: CreateRequest, cost?: CostEstimate): number {
  const url = `${client.baseUrl}/services/aigc/video-generation/video-synthesis`;
  const headers = redactHeaders({
    authorization: 'Bearer <DASHSCOPE_API_KEY>',
    'content-type': 'application/json',
    'x-dashscope-async': 'enable',
    ...request.headers,
  });
  if (ctx.ui.json) {
    ctx.ui.resultJson({ method: 'POST', url, headers, body: request.body, estimated_cost: cost ?? null });
  } else {
    ctx.ui.result(`POST ${url}`);
    for (const [name, value] of Object.entries(headers)) ctx.ui.result(`${name}: ${value}`);
    ctx.ui.result('');
    ctx.ui.result(JSON.stringify(request.body, null, 2));
    ctx.ui.info(ctx.ui.err.dim(`dry run: nothing was sent (${describeRequest(request, cost, ctx.flags.sandbox)})`));
  }
  return 0;
}
