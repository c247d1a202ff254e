import { randomUUID } from 'node:crypto';
import type { WanClient } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { ApiError } from '../api/errors/api-error.js';
import { ConnectionError } from '../api/errors/connection-error.js';
import type { TaskEntry } from '../journal/index.js';
import { requestHash } from '../journal/request-hash.js';
import type { CommandContext } from './context.js';
import { UsageError } from './usage-error.js';

export interface TrackOptions {
  idempotencyKey?: string;
  /** Where the video should go, remembered for `wan wait --pending`. */
  output?: string;
  /** Create even when an earlier attempt with the same key may have created a task. */
  forceNew?: boolean;
  batch?: { file: string; line: number };
}

export interface TrackedTask {
  taskId: string;
  requestId?: string;
  /** As the create answered, or the last status the journal knows of a reused task. */
  status?: string;
  /** An earlier task was reused instead of paying for a new one. */
  reused: boolean;
  /** A new task: client time its create was answered (before the journal write), ms. */
  answeredAt?: number;
}

/**
 * Where an orphaned intent's task can be in the service's list: created after the intent was
 * written (less a little clock skew between this machine and the service) and before the POST
 * could have timed out.
 */
const RECONCILE_SKEW_MS = 5_000;
const RECONCILE_AFTER_MS = 2 * 60_000;

/**
 * Creates a task with the journal around it: an intent is made durable before the POST (if that
 * fails, nothing is sent), the task id after it. With an idempotency key, an earlier task for the
 * same key is reused, and an earlier attempt that died during its POST is looked up in the
 * service's task list before anything is re-sent.
 */
export async function createTracked(
  ctx: CommandContext,
  client: WanClient,
  request: CreateRequest,
  options: TrackOptions = {},
): Promise<TrackedTask> {
  const journal = ctx.journal();
  if (options.idempotencyKey && !options.forceNew) {
    const earlier = await journal.findByIdempotencyKey(options.idempotencyKey);
    const reused = earlier && (await reuse(ctx, client, earlier, options.idempotencyKey));
    if (reused) return reused;
  }
  const id = randomUUID();
  await journal.append({
    type: 'intent',
    id,
    region: client.region,
    baseUrl: client.baseUrl,
    model: request.body.model,
    prompt: request.body.input.prompt,
    ...(request.body.input.negative_prompt !== undefined ? { negativePrompt: request.body.input.negative_prompt } : {}),
    parameters: request.body.parameters,
    requestHash: requestHash(request.body),
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    ...(options.output ? { output: options.output } : {}),
    ...(options.batch ? { batch: options.batch } : {}),
  });
  try {
    const task = await client.createTask(request, { signal: ctx.signal });
    const answeredAt = ctx.clock.now();
    await journal.append({ type: 'created', id, taskId: task.taskId, requestId: task.requestId });
    return { taskId: task.taskId, requestId: task.requestId, status: task.status, reused: false, answeredAt };
  } catch (err) {
    // An interrupted POST may already have reached the service.
    const uncertain =
      ((err instanceof ApiError || err instanceof ConnectionError) && err.mayHaveCreated) ||
      err instanceof AbortedError;
    await journal
      .append({
        type: 'create-failed',
        id,
        certain: !uncertain,
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof ApiError && err.code ? { code: err.code } : {}),
        ...(err instanceof ApiError && err.requestId ? { requestId: err.requestId } : {}),
      })
      .catch(() => {});
    throw err;
  }
}

async function reuse(
  ctx: CommandContext,
  client: WanClient,
  earlier: TaskEntry,
  key: string,
): Promise<TrackedTask | undefined> {
  if (earlier.taskId) {
    if (earlier.status === 'FAILED' || earlier.status === 'CANCELED' || earlier.status === 'UNKNOWN') return undefined;
    ctx.ui.info(
      `reusing task ${earlier.taskId} (idempotency key "${key}", created ${earlier.intent.at}); nothing new is paid for`,
    );
    return { taskId: earlier.taskId, requestId: earlier.requestId, status: earlier.status, reused: true };
  }
  if (earlier.createFailed?.certain) return undefined;
  // The earlier process died (or failed ambiguously) during its POST: did the service make a task?
  const at = Date.parse(earlier.intent.at);
  const listed = await client.listTasks(
    // The list filters by whole seconds; the exact window is applied to gmt_create below.
    {
      model: earlier.intent.model,
      startTime: at - RECONCILE_SKEW_MS - 1000,
      endTime: at + RECONCILE_AFTER_MS + 1000,
      pageSize: 100,
    },
    { signal: ctx.signal },
  );
  const known = new Set((await ctx.journal().entries()).map((e) => e.taskId).filter(Boolean));
  const inWindow = (t: { gmt_create?: number }) =>
    t.gmt_create === undefined || (t.gmt_create >= at - RECONCILE_SKEW_MS && t.gmt_create <= at + RECONCILE_AFTER_MS);
  const candidates = listed.data.filter((t) => !known.has(t.task_id) && inWindow(t));
  if (listed.total === 0 || candidates.length === 0) return undefined;
  if (candidates.length === 1) {
    const taskId = candidates[0]!.task_id;
    await ctx.journal().append({ type: 'created', id: earlier.id, taskId, requestId: candidates[0]!.request_id ?? '' });
    ctx.ui.info(`found task ${taskId}, created by an earlier attempt with idempotency key "${key}"; reusing it`);
    return { taskId, reused: true };
  }
  throw new UsageError(
    `an earlier attempt with idempotency key "${key}" (${earlier.intent.at}) may have created one of ${candidates.length} tasks (${candidates.map((t) => t.task_id).join(', ')}); check them with wan status, or pass --new to create another`,
    '--idempotency-key',
  );
}
