import { Command } from 'commander';
import { urlExpiry } from '../api/download/signed-url.js';
import { UsageError } from '../api/errors/usage-error.js';
import { type TaskResponse, text } from '../api/schemas.js';
import { formatTime, parseServerTime, relativeTime } from '../output/format.js';
import type { Ui } from '../output/ui.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function statusCommand(app: App): Command {
  return new Command('status')
    .argument('[task-id]', 'task id printed by wan create')
    .addHelpText(
      'after',
      examples('wan status 0385dc79-5ff8-4d82-bcb6-0123456789ab', 'wan status "$id" --json | jq -r .task_status'),
    )
    .action(action(app, runStatus));
}

export async function runStatus(ctx: CommandContext, taskId: string | undefined): Promise<number> {
  if (taskId === undefined) throw new UsageError('missing task id: wan status <task-id> (see wan status --help)');
  const client = await ctx.client();
  const task = await client.getTask(taskId, { signal: ctx.signal });
  if (ctx.ui.json) ctx.ui.resultJson(taskJson(task));
  else ctx.ui.result(statusLine(task, ctx.ui, ctx.clock.now()));
  return 0;
}

/** The API's own fields, snake_case as the service names them, passed through untouched. */
export function taskJson(task: TaskResponse): Record<string, unknown> {
  return {
    ...task.output,
    ...(task.usage !== undefined ? { usage: task.usage } : {}),
    request_id: task.request_id ?? null,
  };
}

export function statusLine(task: TaskResponse, ui: Ui, now: number): string {
  const o = task.output;
  const c = ui.out;
  const colour =
    o.task_status === 'SUCCEEDED'
      ? c.green
      : o.task_status === 'FAILED' || o.task_status === 'UNKNOWN'
        ? c.red
        : c.yellow;
  const parts = [`${o.task_id}  ${colour(o.task_status)}`];
  const time = (label: string, value: unknown) => {
    const ms = parseServerTime(value);
    if (ms !== undefined) parts.push(`${label} ${formatTime(ms)}`);
    else if (text(value)) parts.push(`${label} ${text(value)}`);
  };
  time('submitted', o.submit_time);
  time('started', o.scheduled_time);
  time('ended', o.end_time);
  const code = text(o.code);
  const message = text(o.message);
  if (code || message) parts.push(`${code ?? ''}${code && message ? ': ' : ''}${message ?? ''}`);
  if (o.task_status === 'UNKNOWN') parts.push('unknown id, or older than 24 hours');
  const url = text(o.video_url);
  if (url) {
    const expiry = urlExpiry(url);
    parts.push(expiry ? `video URL expires ${relativeTime(expiry.getTime(), now)}` : 'video ready');
  }
  return parts.join(' · ');
}
