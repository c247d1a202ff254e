import { Command } from 'commander';
import type { WanClient } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import { redactHeaders } from '../api/redact.js';
import { action, type App, type CommandContext } from './context.js';
import { addCreateOptions, configFlagsOf, createOptionsOf, readPrompt, type CreateFlags } from './create-options.js';
import { examples } from './help-text.js';

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

/** Validated and prepared, before anything is sent: shared by create and run. */
export async function prepareCreate(ctx: CommandContext, prompt: string | undefined, flags: CreateFlags): Promise<{ client: WanClient; request: CreateRequest }> {
  const text = await readPrompt(prompt, flags, ctx.io);
  const config = await ctx.config(configFlagsOf(flags));
  const client = await ctx.client();
  const request = client.prepareCreate(createOptionsOf(text, flags, config));
  for (const warning of request.warnings) ctx.ui.warn(warning);
  return { client, request };
}

export async function runCreate(ctx: CommandContext, prompt: string | undefined, flags: CreateFlags): Promise<number> {
  const { client, request } = await prepareCreate(ctx, prompt, flags);
  if (flags.dryRun) return printDryRun(ctx, client, request);
  const task = await client.createTask(request, { signal: ctx.signal });
  if (ctx.ui.json) {
    ctx.ui.resultJson({
      task_id: task.taskId,
      task_status: task.status,
      request_id: task.requestId,
      model: request.body.model,
      input: request.body.input,
      parameters: request.body.parameters,
    });
  } else {
    ctx.ui.result(task.taskId);
    if (ctx.io.stderr.isTTY) ctx.ui.info(ctx.ui.err.dim(summary(request, task.taskId)));
  }
  return 0;
}

export function summary(request: CreateRequest, taskId: string): string {
  return `created task ${taskId}: ${request.body.model}, ${request.size} (${request.tier}), ${request.duration}s — wait for it with: wan wait ${taskId}`;
}

function printDryRun(ctx: CommandContext, client: WanClient, request: CreateRequest): number {
  const url = `${client.baseUrl}/services/aigc/video-generation/video-synthesis`;
  const headers = redactHeaders({
    authorization: 'Bearer <DASHSCOPE_API_KEY>',
    'content-type': 'application/json',
    'x-dashscope-async': 'enable',
    ...request.headers,
  });
  if (ctx.ui.json) {
    ctx.ui.resultJson({ method: 'POST', url, headers, body: request.body });
  } else {
    ctx.ui.result(`POST ${url}`);
    for (const [name, value] of Object.entries(headers)) ctx.ui.result(`${name}: ${value}`);
    ctx.ui.result('');
    ctx.ui.result(JSON.stringify(request.body, null, 2));
    ctx.ui.info(ctx.ui.err.dim('dry run: nothing was sent'));
  }
  return 0;
}
