import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { checkAudioFile } from '../api/audio-file.js';
import { checkUploads, type WanClient } from '../api/client.js';
import { type CostEstimate, requestCost } from '../api/cost.js';
import type { CreateRequest } from '../api/create-request.js';
import { UsageError } from '../api/errors/usage-error.js';
import { formatMoney } from '../output/format.js';
import { createTracked, requestIdentity } from '../tasks/create.js';
import type { InputFile } from '../tasks/save-video.js';
import { type App, action, type CommandContext } from './context.js';
import {
  addCreateOptions,
  audioOf,
  type CreateFlags,
  checkSizeFlag,
  configFlagsOf,
  createOptionsOf,
  readPrompt,
} from './create-options.js';
import { createHelp, examples } from './help-text.js';

export function createCommand(app: App): Command {
  const command = new Command('create')
    .argument('[prompt]', 'what the video shows (or - , or stdin when it is not a terminal)')
    .addHelpText(
      'after',
      () =>
        createHelp() +
        examples(
          'wan create "a red panda surfing at sunset" --size \'832*480\' --duration 10',
          'id=$(wan create "a lighthouse in a storm" -m wan2.2-t2v-plus) && wan wait "$id" -o storm.mp4',
          'echo "a cat on a skateboard" | wan create --json | jq -r .task_id',
          'wan create "a cat" --dry-run',
        ),
    );
  return addCreateOptions(command).action(action(app, runCreate));
}

export interface PreparedCreate {
  client: WanClient;
  /** Checked against the catalogue; a local audio file stands in as a placeholder URL until uploaded. */
  request: CreateRequest;
  cost?: CostEstimate;
  /** What identifies the request, local files by their content (see requestIdentity). */
  identity: string;
  inputs: InputFile[];
  /** Uploads the local files (only when a new task is sent) and returns the request to send. */
  beforeSend?: () => Promise<CreateRequest>;
}

/** The stand-in for an upload's `oss://` URL while the request is checked and priced. */
const UPLOAD_PLACEHOLDER = 'oss://uploaded-when-sent';

/** Validated, priced and checked against --max-cost, before anything is sent: shared by create and run. */
export async function prepareCreate(
  ctx: CommandContext,
  prompt: string | undefined,
  flags: CreateFlags,
  command: string,
): Promise<PreparedCreate> {
  checkSizeFlag(flags.size, ctx.io.cwd);
  const text = await readPrompt(prompt, flags, ctx.io, command);
  const config = await ctx.config(configFlagsOf(flags));
  const client = await ctx.client();
  const options = createOptionsOf(text, flags, config);
  const audio = audioOf(flags, ctx.io.cwd);
  const request = client.prepareCreate(audio.file ? { ...options, audioUrl: UPLOAD_PLACEHOLDER } : options);
  const inputs: InputFile[] = [];
  let beforeSend: PreparedCreate['beforeSend'];
  if (audio.file) {
    const file = audio.file;
    checkUploads(client.region);
    const info = await checkAudioFile(file);
    inputs.push({ name: path.basename(file), bytes: info.bytes, sha256: await sha256Of(file) });
    beforeSend = async () => {
      const { url } = await client.uploadAudio(file, request.body.model, { signal: ctx.signal });
      ctx.ui.info(`uploaded ${path.basename(file)} as ${url}`);
      return client.prepareCreate({ ...options, audioUrl: url });
    };
  }
  for (const warning of request.warnings) ctx.ui.warn(warning);
  const cost = requestCost(request);
  const maxCost = config.values.maxCost;
  if (maxCost !== undefined) {
    if (!cost) {
      throw new UsageError(
        `no price is known for ${request.body.model} in ${client.region}, so the cost cannot be checked`,
        '--max-cost',
      );
    }
    if (cost.amount > maxCost) {
      throw new UsageError(
        `the estimated cost ${formatMoney(cost.amount, cost.currency)} is above ${formatMoney(maxCost, cost.currency)}; nothing was sent`,
        '--max-cost',
      );
    }
  }
  const identity = requestIdentity(
    request,
    inputs.map((i) => i.sha256),
  );
  return { client, request, cost, identity, inputs, ...(beforeSend ? { beforeSend } : {}) };
}

export async function runCreate(ctx: CommandContext, prompt: string | undefined, flags: CreateFlags): Promise<number> {
  const prepared = await prepareCreate(ctx, prompt, flags, 'create');
  const { client, request, cost } = prepared;
  if (flags.dryRun) return printDryRun(ctx, client, request, cost);
  const task = await createTracked(await ctx.job(), request, {
    idempotencyKey: flags.idempotencyKey,
    forceNew: flags.new,
    identity: prepared.identity,
    beforeSend: prepared.beforeSend,
  });
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

/** `wan2.5-t2v-preview, 832*480 (480P), 5s, silent, about 1.50 CNY` */
export function describeRequest(request: CreateRequest, cost?: CostEstimate, sandbox = false): string {
  const price = cost
    ? `, about ${formatMoney(cost.amount, cost.currency)}${sandbox ? ' on the real service (the sandbox bills nothing)' : ''}`
    : '';
  return `${request.body.model}, ${request.size} (${request.tier}), ${request.duration}s${request.silent ? ', silent' : ''}${price}`;
}

function printDryRun(ctx: CommandContext, client: WanClient, request: CreateRequest, cost?: CostEstimate): number {
  const { method, url, headers } = client.describeCreate(request);
  if (ctx.ui.json) {
    ctx.ui.resultJson({ method, url, headers, body: request.body, estimated_cost: cost ?? null });
  } else {
    ctx.ui.result(`${method} ${url}`);
    for (const [name, value] of Object.entries(headers)) ctx.ui.result(`${name}: ${value}`);
    ctx.ui.result('');
    ctx.ui.result(JSON.stringify(request.body, null, 2));
    ctx.ui.info(ctx.ui.err.dim(`dry run: nothing was sent (${describeRequest(request, cost, ctx.flags.sandbox)})`));
  }
  return 0;
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
