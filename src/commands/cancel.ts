import { Command } from 'commander';
import { ApiError } from '../api/errors/api-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { checkTaskId } from '../api/task-id.js';
import { worstExit } from '../output/exit-codes.js';
import { reportError } from '../output/report-error.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function cancelCommand(app: App): Command {
  return new Command('cancel')
    .description('cancel tasks that are still PENDING (the only state the service can cancel)')
    .argument('<task-id...>', 'one or more task ids')
    .addHelpText('after', examples('wan cancel "$id"', 'wan cancel "$id1" "$id2" --json'))
    .action(action(app, runCancel));
}

export async function runCancel(ctx: CommandContext, taskIds: string[]): Promise<number> {
  taskIds.forEach(checkTaskId);
  const client = await ctx.client();
  const codes: number[] = [];
  for (const taskId of taskIds) {
    try {
      const { requestId } = await client.cancelTask(taskId, { signal: ctx.signal });
      if (ctx.ui.json) ctx.ui.resultJson({ task_id: taskId, cancelled: true, request_id: requestId });
      else ctx.ui.result(`${taskId} cancelled`);
      codes.push(0);
    } catch (err) {
      if (err instanceof WanError) err.taskId ??= taskId;
      if (err instanceof ApiError && err.code === 'UnsupportedOperation') {
        // The service's words are about the API; say what it means for the user's money.
        err.message = `task ${taskId} cannot be cancelled: it is no longer PENDING (it is running or finished, and a video it makes will be billed) (request id ${err.requestId ?? 'unknown'})`;
      }
      codes.push(reportError(err, ctx.ui));
    }
  }
  return worstExit(codes);
}
