import { REGIONS } from '../api/regions.js';
import type { Account } from './account.js';
import { sendError } from './api-error.js';
import type { ApiDeps } from './api-routes.js';
import { type Exchange, noteFault, sendJson } from './exchange.js';
import { newUuid } from './ids.js';
import { listTasks } from './list-tasks.js';
import type { TaskRecord } from './task-record.js';
import { taskView, unknownTaskView } from './task-view.js';

/**
 * The task if `account` may see it. §1.2: any key of the account that created a task can query it, and
 * here one key is one account (account.ts), so another key's task is as unknown as a made-up id: its
 * existence is not revealed. Records from before keys were hashed belong to no one.
 */
async function ownTask(deps: ApiDeps, taskId: string, account: Account): Promise<TaskRecord | undefined> {
  const task = await deps.store.find(taskId);
  return task?.keyHash !== undefined && task.keyHash === account.keyHash ? task : undefined;
}

/** `GET /tasks/{id}` (dashscope-api.md §4.2): always 200; unknown, expired, "lost" or others' tasks read UNKNOWN. */
export async function queryTask(ex: Exchange, deps: ApiDeps, taskId: string, account: Account): Promise<void> {
  if (deps.faults.current.unknownTasks) {
    noteFault(ex, 'unknownTasks');
    return sendJson(ex, 200, { request_id: newUuid(), ...unknownTaskView(taskId) });
  }
  const task = await ownTask(deps, taskId, account);
  if (!task) return sendJson(ex, 200, { request_id: newUuid(), ...unknownTaskView(taskId) });
  const phase = deps.store.phase(task, ex.now);
  const view = taskView(task, phase, (t, endTime) => deps.videoUrl(t, endTime, ex.now));
  if (phase.status === 'SUCCEEDED' && deps.faults.current.expiredUrl) noteFault(ex, 'expiredUrl');
  sendJson(ex, 200, { request_id: newUuid(), ...view });
}

/**
 * §1.2: only PENDING tasks (queued ones included) can be canceled; anything else, an unknown id or
 * another key's task included, is 400 UnsupportedOperation.
 */
export async function cancelTask(ex: Exchange, deps: ApiDeps, taskId: string, account: Account): Promise<void> {
  ex.req.resume();
  const lost = deps.faults.current.unknownTasks;
  if (lost) noteFault(ex, 'unknownTasks');
  const task = lost ? undefined : await ownTask(deps, taskId, account);
  if (!task || deps.store.phase(task, ex.now).status !== 'PENDING') {
    const message = 'Failed to cancel the task, please confirm if the task is in PENDING status.';
    return sendError(ex, 400, 'UnsupportedOperation', message);
  }
  await deps.store.update({ ...task, canceledTime: ex.now });
  sendJson(ex, 200, { request_id: newUuid() });
}

/** `GET /tasks` (§1.2): the caller's own tasks only, in the reference's top-level shape. */
export async function listTaskPage(ex: Exchange, deps: ApiDeps, account: Account): Promise<void> {
  const lost = deps.faults.current.unknownTasks;
  if (lost) noteFault(ex, 'unknownTasks');
  const tasks = lost ? [] : await deps.store.all();
  const caller = { keyHash: account.keyHash, regionId: REGIONS[deps.region].id };
  const result = listTasks(tasks, new URLSearchParams(ex.query), ex.now, caller, (task) =>
    deps.store.phase(task, ex.now),
  );
  if (!result.ok) return sendError(ex, 400, result.code, result.message);
  sendJson(ex, 200, { request_id: newUuid(), ...result.page });
}
