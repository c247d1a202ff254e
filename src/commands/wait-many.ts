import type { WanClient } from '../api/client.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { WaitTimeoutError } from '../api/errors/wait-timeout-error.js';
import { isTerminal } from '../api/task-status.js';
import { listStatuses, type Watched } from '../batch/poller.js';
import { reportError } from '../output/report-error.js';
import type { TaskProgress } from '../output/task-progress.js';
import type { CommandContext } from './context.js';

/** From this many tasks on, one list request per interval replaces one query per task. */
export const LIST_POLL_FROM = 3;

/** Without a journal record, a task may be as old as the service keeps them. */
const UNKNOWN_AGE_MS = 24 * 3600_000;

/**
 * Waits until each task has ended, watching them all with one `GET /tasks` list per interval (the
 * account's 20 queries per second are shared by everything it runs), and hands each finished task
 * to `finish` at once — that one query fetches its video URL or failure code. A task the list does
 * not show (another key's, or older than the window) is queried on its own. Returns exit codes.
 */
export async function waitMany(
  ctx: CommandContext,
  client: WanClient,
  taskIds: string[],
  timing: { timeout: number; interval: number },
  progress: TaskProgress,
  finish: (taskId: string) => Promise<number>,
): Promise<number[]> {
  const now = () => ctx.clock.now();
  const deadline = now() + timing.timeout;
  const journal = await ctx
    .journal()
    .entries()
    .catch(() => []);
  const since = new Map(journal.filter((e) => e.taskId).map((e) => [e.taskId!, Date.parse(e.intent.at)]));
  const waiting = new Map<string, Watched>(
    taskIds.map((id) => [id, { taskId: id, since: since.get(id) ?? now() - UNKNOWN_AGE_MS }]),
  );
  const last = new Map<string, string>();
  const finishing: Promise<number>[] = [];
  const done = (id: string) => {
    waiting.delete(id);
    finishing.push(finish(id));
  };
  // Polls keep to the interval's beat, start to start: a slow list or a late timer does not push
  // the next one back, so each task's end is seen within one interval of it.
  let due = now();
  try {
    for (;;) {
      const listed = await listStatuses([...waiting.values()], {
        client,
        pace: async () => {},
        now: now(),
        signal: ctx.signal,
      });
      for (const id of [...waiting.keys()]) {
        const status = listed.get(id)?.status;
        if (status === undefined || isTerminal(status)) {
          done(id);
          continue;
        }
        last.set(id, status);
        progress.onStatus({ request_id: '', output: { task_id: id, task_status: status } });
      }
      if (waiting.size === 0) break;
      const remaining = deadline - now();
      if (remaining <= 0) break;
      due = Math.max(due + timing.interval, now());
      await ctx.clock.sleep(Math.min(due - now(), remaining), ctx.signal);
    }
  } catch (err) {
    if (!(err instanceof AbortedError)) throw err;
    for (const id of waiting.keys())
      finishing.push(Promise.resolve(reportOne(ctx, Object.assign(new AbortedError(), { taskId: id }))));
    waiting.clear();
  }
  for (const [id] of waiting)
    finishing.push(
      Promise.resolve(reportOne(ctx, new WaitTimeoutError(id, last.get(id) ?? 'PENDING', timing.timeout))),
    );
  return Promise.all(finishing);
}

function reportOne(ctx: CommandContext, err: Error): number {
  return reportError(err, ctx.ui);
}
