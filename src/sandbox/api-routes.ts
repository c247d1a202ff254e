import { header, sendJson, type Exchange } from './exchange.js';
import type { FaultState } from './faults.js';
import { newUuid } from './ids.js';
import { readBody } from './read-body.js';
import { phaseAt } from './task-phase.js';
import { buildTask, type TaskDefaults, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { taskView, unknownTaskView } from './task-view.js';
import { validateCreate } from './validate-create.js';

export interface ApiDeps {
  /** Only this key is accepted when set; otherwise any non-empty key. */
  apiKey?: string;
  store: TaskStore;
  faults: FaultState;
  taskDefaults: Omit<TaskDefaults, 'faults'>;
  retentionMs: number;
  /** A signed URL for a SUCCEEDED task's video, valid from `now`. */
  videoUrl(task: TaskRecord, endTime: number, now: number): string;
}

const CREATE_PATH = '/api/v1/services/aigc/video-generation/video-synthesis';
const TASK_PATH = /^\/api\/v1\/tasks\/([^/]+)$/;
const CANCEL_PATH = /^\/api\/v1\/tasks\/([^/]+)\/cancel$/;
/** Create bodies are a few KB at most (prompts ≤ 5000 characters). */
const BODY_LIMIT = 1024 * 1024;

type Route = { name: 'create' } | { name: 'task' | 'cancel'; taskId: string };

/** DashScope's flat request-level error body (dashscope-api.md §4.1, §5). */
function sendError(ex: Exchange, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  sendJson(ex, status, { code, message, request_id: newUuid() }, extra);
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function route(path: string): Route | undefined {
  if (path === CREATE_PATH) return { name: 'create' };
  const cancel = CANCEL_PATH.exec(path);
  const task = cancel ? undefined : TASK_PATH.exec(path);
  const taskId = decode((cancel ?? task)?.[1] ?? '');
  if (!taskId) return undefined;
  return { name: cancel ? 'cancel' : 'task', taskId };
}

/** 401 unless the bearer key is acceptable (§5: `No API-key provided.` / `Invalid API-key provided.`). */
function authError(ex: Exchange, apiKey: string | undefined): string | undefined {
  const header = ex.req.headers.authorization?.trim() ?? '';
  const bearer = /^Bearer(?:\s+(.*))?$/i.exec(header);
  const key = bearer ? (bearer[1] ?? '').trim() : header;
  if (key === '') return 'No API-key provided.';
  if (!bearer || (apiKey !== undefined && key !== apiKey)) return 'Invalid API-key provided.';
  return undefined;
}

/** The API listener: create, query and cancel (dashscope-api.md §1.2). */
export async function handleApiRequest(ex: Exchange, deps: ApiDeps): Promise<void> {
  const found = route(ex.path);
  if (!found) return sendError(ex, 404, 'NotFound', 'Not found!');
  const method = found.name === 'task' ? 'GET' : 'POST';
  if (ex.req.method !== method) return sendError(ex, 405, 'MethodNotAllowed', 'Method not allowed!', { allow: method });
  const unauthorised = authError(ex, deps.apiKey);
  if (unauthorised) return sendError(ex, 401, 'InvalidApiKey', unauthorised);

  switch (found.name) {
    case 'create':
      return createTask(ex, deps);
    case 'task':
      return queryTask(ex, deps, found.taskId);
    case 'cancel':
      return cancelTask(ex, deps, found.taskId);
  }
}

async function createTask(ex: Exchange, deps: ApiDeps): Promise<void> {
  // §2: create is async-only; without the header the service refuses with 403.
  if (header(ex, 'x-dashscope-async')?.trim().toLowerCase() !== 'enable') {
    ex.req.resume();
    return sendError(ex, 403, 'AccessDenied', 'current user api does not support synchronous calls.');
  }
  const body = await readBody(ex.req, BODY_LIMIT);
  if (body === undefined) return sendError(ex, 413, 'RequestTooLarge', 'Request body too large.');
  const check = validateCreate(body);
  if (!check.ok) return sendError(ex, check.error.status, check.error.code, check.error.message);

  const task = buildTask(check.spec, newUuid(), ex.now, { ...deps.taskDefaults, faults: deps.faults.current });
  await deps.store.add(task);
  sendJson(ex, 200, { output: { task_status: 'PENDING', task_id: task.id }, request_id: newUuid() });
}

async function queryTask(ex: Exchange, deps: ApiDeps, taskId: string): Promise<void> {
  const task = await deps.store.find(taskId);
  const view = task
    ? taskView(task, ex.now, deps.retentionMs, (t, endTime) => deps.videoUrl(t, endTime, ex.now))
    : unknownTaskView(taskId);
  sendJson(ex, 200, { request_id: newUuid(), ...view });
}

/** §1.2: only PENDING tasks can be canceled; anything else is 400 UnsupportedOperation. */
async function cancelTask(ex: Exchange, deps: ApiDeps, taskId: string): Promise<void> {
  ex.req.resume();
  const task = await deps.store.find(taskId);
  if (!task || phaseAt(task, ex.now, deps.retentionMs).status !== 'PENDING') {
    const message = 'Failed to cancel the task, please confirm if the task is in PENDING status.';
    return sendError(ex, 400, 'UnsupportedOperation', message);
  }
  await deps.store.update({ ...task, canceledTime: ex.now });
  sendJson(ex, 200, { request_id: newUuid() });
}
