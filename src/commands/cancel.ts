import { Command } from 'commander';
import { WanError } from '../api/errors/wan-error.js';
import { checkTaskId } from '../api/task-id.js';
import { worstExit } from '../output/exit-codes.js';
import { reportError } from '../output/report-error.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function cancelCommand(app: App): Command {
  return new Command('cancel')
    .argument('<task-id...>', 'one or more task ids')
    .addHelpText('after', examples('wan cancel "$id"', 'wan cancel "$id1" "$id2" --json'))
    .action(action(app, runCancel));
}

export async function runCancel(ctx: CommandContext, taskIds: string[]): Promise<number> {
  for (const id of taskIds) checkTaskId(id);
  const client = await ctx.client();
  const codes: number[] = [];
  for (const taskId of taskIds) {
    try {
      const { requestId, alreadyCanceled } = await client.cancelTask(taskId, { signal: ctx.signal });
      if (ctx.ui.json) {
        ctx.ui.resultJson({
          task_id: taskId,
          cancelled: true,
          already_cancelled: alreadyCanceled,
          request_id: requestId ?? null,
        });
      } else {
        ctx.ui.result(alreadyCanceled ? `${taskId} was already cancelled` : `${taskId} cancelled`);
      }
      codes.push(0);
    } catch (err) {
      if (err instanceof WanError) err.taskId ??= taskId;
      codes.push(reportError(err, ctx.ui));
    }
  }
  return worstExit(codes);
}
