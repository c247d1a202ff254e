import { Command } from 'commander';
import { urlExpiry } from '../api/download/signed-url.js';
import type { TaskResponse } from '../api/schemas.js';
import { relativeTime } from '../output/format.js';
import type { Ui } from '../output/ui.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function statusCommand(app: App): Command {
  return new Command('status')
    .description('show where a task is: status, times, failure reason, video expiry')
    .argument('<task-id>', 'task id printed by wan create')
    .addHelpText(
      'after',
      examples('wan status 0385dc79-5ff8-4d82-bcb6-0123456789ab', 'wan status "$id" --json | jq -r .task_status'),
    )
    .action(action(app, runStatus));
}

export async function runStatus(ctx: CommandContext, taskId: string): Promise<number> {
  const client = await ctx.client();
  const task = await client.getTask(taskId, { signal: ctx.signal });
  if (ctx.ui.json) ctx.ui.resultJson(taskJson(task));
  else ctx.ui.result(statusLine(task, ctx.ui, ctx.clock.now()));
  return 0;
}

/** The API's own fields, snake_case as the service names them. */
export function taskJson(task: TaskResponse): Record<string, unknown> {
  return { ...task.output, ...(task.usage ? { usage: task.usage } : {}), request_id: task.request_id };
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
  if (o.submit_time) parts.push(`submitted ${o.submit_time}`);
  if (o.scheduled_time) parts.push(`started ${o.scheduled_time}`);
  if (o.end_time) parts.push(`ended ${o.end_time}`);
  if (o.code || o.message) parts.push(`${o.code ?? ''}${o.code && o.message ? ': ' : ''}${o.message ?? ''}`);
  if (o.task_status === 'UNKNOWN') parts.push('unknown id, or older than 24 hours');
  if (o.video_url) {
    const expiry = urlExpiry(o.video_url);
    parts.push(expiry ? `video URL expires ${relativeTime(expiry.getTime(), now)}` : 'video ready');
  }
  return parts.join(' · ');
}
