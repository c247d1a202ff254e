import type { Account } from './account.js';
import { sendError } from './api-error.js';
import type { ApiDeps } from './api-routes.js';
import { type Exchange, noteFault, sendJson } from './exchange.js';
import { newUuid } from './ids.js';
import { listTasks } from './list-tasks.js';
import { taskView, unknownTaskView } from './task-view.js';

/** `GET /tasks/{id}` (dashscope-api.md §4.2): always 200; unknown, expired or "lost" tasks read UNKNOWN. */
export async function queryTask(ex: Exchange, deps: ApiDeps, taskId: string): Promise<void> {
  if (deps.faults.current.unknownTasks) {
    noteFault(ex, 'unknownTasks');
    return sendJson(ex, 200, { request_id: newUuid(), ...unknownTaskView(taskId) });
  }
  const task = await deps.store.find(taskId);
  if (!task) return sendJson(ex, 200, { request_id: newUuid(), ...unknownTaskView(taskId) });
  const phase = deps.store.phase(task, ex.now);
  const view = taskView(task, phase, (t, endTime) => deps.videoUrl(t, endTime, ex.now));
  if (phase.status === 'SUCCEEDED' && deps.faults.current.expiredUrl) noteFault(ex, 'expiredUrl');
  sendJson(ex, 200, { request_id: newUuid(), ...view });
}

/** §1.2: only PENDING tasks (queued ones included) can be canceled; anything else is 400 UnsupportedOperation. */
export async function cancelTask(ex: Exchange, deps: ApiDeps, taskId: string): Promise<void> {
  ex.req.resume();
  const lost = deps.faults.current.unknownTasks;
  if (lost) noteFault(ex, 'unknownTasks');
  const task = lost ? undefined : await deps.store.find(taskId);
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
  const result = listTasks(tasks, new URLSearchParams(ex.query), ex.now, account.keyHash, (task) =>
    deps.store.phase(task, ex.now),
  );
  if (!result.ok) return sendError(ex, 400, result.code, result.message);
  sendJson(ex, 200, { request_id: newUuid(), ...result.page });
}
