import { Command } from 'commander';
import { MODE_NAMES } from '../api/catalogue.js';
import type { WanClient } from '../api/client.js';
import { type CostEstimate, requestCost } from '../api/cost.js';
import type { CreateRequest } from '../api/create-request.js';
import { UsageError } from '../api/errors/usage-error.js';
import { type InputFile, prepareRequest } from '../api/media-inputs.js';
import { formatMoney } from '../output/format.js';
import { createTracked, requestIdentity } from '../tasks/create.js';
import { type App, action, type CommandContext } from './context.js';
import {
  addCreateOptions,
  type CreateFlags,
  checkSizeFlag,
  configFlagsOf,
  optionsFromFlags,
  readPrompt,
} from './create-options.js';
import { createHelp, examples } from './help-text.js';

export function createCommand(app: App): Command {
  const command = new Command('create')
    .argument('[prompt]', 'what the video shows (or - , or stdin when it is not a terminal); optional with an image')
    .addHelpText(
      'after',
      () =>
        createHelp() +
        examples(
          'wan create "a red panda surfing at sunset" --size \'832*480\' --duration 10',
          'id=$(wan create "a lighthouse in a storm" -m wan2.2-t2v-plus) && wan wait "$id" -o storm.mp4',
          'echo "a cat on a skateboard" | wan create --json | jq -r .task_id',
          'wan create "a cat" --dry-run',
          'wan create "character1 waves at character2" --reference hero.mp4 --reference friend.png',
        ),
    );
  return addCreateOptions(command).action(action(app, runCreate));
}

export interface PreparedCreate {
  client: WanClient;
  /** Checked against the catalogue; local files stand in as their names until they are sent. */
  request: CreateRequest;
  cost?: CostEstimate;
  /** What identifies the request, local files by their content (see requestIdentity). */
  identity: string;
  inputs: InputFile[];
  /** Reads and sends the local files (only when a new task is sent) and returns the request to send. */
  beforeSend?: () => Promise<CreateRequest>;
}

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
  const prepared = await prepareRequest(optionsFromFlags(text, flags, config), client.region, ctx.io.cwd);
  const { request, inputs } = prepared;
  for (const warning of request.warnings) ctx.ui.warn(warning);
  const cost = requestCost(request);
  checkMaxCost(config.values.maxCost, cost, request, client.region);
  const identity = requestIdentity(request, prepared);
  const upload = client.uploader(ctx.signal);
  const beforeSend = async () =>
    prepared.send(async (file, model) => {
      const url = await upload(file, model);
      ctx.ui.info(`uploaded ${file.name} as ${url}`);
      return url;
    });
  return { client, request, cost, identity, inputs, ...(inputs.length > 0 ? { beforeSend } : {}) };
}

/** `--max-cost` (or config maxCost): refused before anything is sent. */
function checkMaxCost(
  maxCost: number | undefined,
  cost: CostEstimate | undefined,
  request: CreateRequest,
  region: string,
): void {
  if (maxCost === undefined) return;
  if (!cost) {
    throw new UsageError(
      `no price is known for ${request.body.model} in ${region}, so the cost cannot be checked`,
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

/** `wan2.5-t2v-preview, 832*480 (480P), 5s, silent, about 1.50 CNY`; `wan2.2-kf2v-flash (first-and-last-frame), 720P …` */
export function describeRequest(request: CreateRequest, cost?: CostEstimate, sandbox = false): string {
  const price = cost
    ? `, about ${formatMoney(cost.amount, cost.currency)}${sandbox ? ' on the real service (the sandbox bills nothing)' : ''}`
    : '';
  const mode = request.mode === 't2v' ? '' : ` (${MODE_NAMES[request.mode]})`;
  const shape = request.size ? `${request.size} (${request.tier})` : `${request.tier} in the input's aspect`;
  const input = request.inputSeconds > 0 ? ` + up to ${request.inputSeconds}s of reference clips` : '';
  return `${request.body.model}${mode}, ${shape}, ${request.duration}s${input}${request.silent ? ', silent' : ''}${price}`;
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
