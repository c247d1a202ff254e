import { randomUUID } from 'node:crypto';
import type { CreateRequest } from '../api/create-request.js';
import { AbortedError } from '../api/errors/aborted-error.js';
import { ApiError } from '../api/errors/api-error.js';
import { ConnectionError } from '../api/errors/connection-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { isPending, type TaskEntry } from '../journal/fold.js';
import { requestHash } from '../journal/request-hash.js';
import type { Job } from './job.js';
import { reconcileOrphans } from './reconcile.js';

export interface TrackOptions {
  /** The same key reuses the task an earlier create made for the same request, and refuses another request. */
  idempotencyKey?: string;
  /**
   * Without a key: reuse a task this journal holds for the same request and output that has not
   * been saved yet, so running the same `wan run` again resumes its task instead of paying again.
   */
  resumeSame?: boolean;
  /** Absolute path the video is meant for, journaled for `wan wait --pending`. */
  output?: string;
  /** Create even when an earlier attempt may have created the task. */
  forceNew?: boolean;
  batch?: { file: string; line: number };
  /** What identifies the request (see requestIdentity); by default the hash of its body. */
  identity?: string;
  /** Called only when a new task is about to be sent (local files are uploaded then); returns the request to send. */
  beforeSend?: () => Promise<CreateRequest>;
}

export interface TrackedTask {
  taskId: string;
  requestId?: string;
  /** As the create answered, or the last status the journal knows of a reused task. */
  status?: string;
  /** An earlier task was reused instead of paying for a new one. */
  reused: boolean;
  /** The journal entry of the task. */
  entryId: string;
  /** When its intent was written (at or before its submission), ms. */
  since: number;
  /** A new task: when its create was answered, ms. */
  answeredAt?: number;
}

/**
 * What identifies a request: its body, with local files by their content (`identityBody` and the
 * files' SHA-256, see prepareRequest), so a renamed file is the same request and an edited one is not.
 */
export function requestIdentity(
  request: CreateRequest,
  local?: { identityBody: unknown; inputs: readonly { sha256: string }[] },
): string {
  if (!local || local.inputs.length === 0) return requestHash(request.body);
  return requestHash({ body: local.identityBody, localFiles: local.inputs.map((i) => i.sha256) });
}

/**
 * Creates a task with the journal around it: the intent is durable before the POST (if it cannot be
 * written, nothing is sent), the task id after it. An earlier task for the same key (or, with
 * `resumeSame`, the same request and output) is reused; an earlier attempt cut off during its POST
 * is looked for in the service's list first. Ctrl-C during the POST does not cut it off: its answer
 * is awaited and journaled, then AbortedError (naming the task) is thrown.
 */
export async function createTracked(
  job: Job,
  request: CreateRequest,
  options: TrackOptions = {},
): Promise<TrackedTask> {
  const identity = options.identity ?? requestIdentity(request);
  const earlier = options.forceNew ? undefined : await findEarlier(job, identity, options);
  if (earlier) {
    const reused = await reuse(job, earlier, options);
    if (reused) return reused;
  }
  const id = randomUUID();
  const since = job.clock.now();
  await job.journal.append({
    type: 'intent',
    id,
    region: job.client.region,
    baseUrl: job.client.baseUrl,
    model: request.body.model,
    prompt: request.body.input.prompt ?? '',
    ...(request.body.input.negative_prompt !== undefined ? { negativePrompt: request.body.input.negative_prompt } : {}),
    parameters: request.body.parameters,
    requestHash: identity,
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    ...(options.output ? { output: options.output } : {}),
    ...(options.batch ? { batch: options.batch } : {}),
  });
  const onInterrupt = () =>
    job.warn(
      'interrupted while the create request is on its way: waiting for its answer so the task is not lost ' +
        '(press Ctrl-C again to quit at once; then `wan wait --pending` finds the task)',
    );
  job.signal.addEventListener('abort', onInterrupt, { once: true });
  try {
    const sent = options.beforeSend ? await options.beforeSend() : request;
    // Not job.signal: a POST cut off mid-way may have created (and billed) a task no one knows of.
    const task = await job.client.createTask(sent);
    const answeredAt = job.clock.now();
    await job.journal.append({ type: 'created', id, taskId: task.taskId, requestId: task.requestId ?? '' });
    if (job.signal.aborted) throw Object.assign(new AbortedError(), { taskId: task.taskId, file: options.output });
    return {
      taskId: task.taskId,
      requestId: task.requestId,
      status: task.status,
      reused: false,
      entryId: id,
      since,
      answeredAt,
    };
  } catch (err) {
    if (!(err instanceof AbortedError && err.taskId)) await recordFailure(job, id, err);
    throw err;
  } finally {
    job.signal.removeEventListener('abort', onInterrupt);
  }
}

async function findEarlier(job: Job, identity: string, options: TrackOptions): Promise<TaskEntry | undefined> {
  const entries = await job.journal.entries();
  const { baseUrl } = job.client;
  const key = options.idempotencyKey;
  const matching = key
    ? entries.filter((e) => e.intent.idempotencyKey === key)
    : options.resumeSame
      ? entries.filter(
          (e) =>
            e.intent.idempotencyKey === undefined &&
            e.intent.batch === undefined &&
            e.intent.requestHash === identity &&
            e.intent.baseUrl === baseUrl &&
            e.intent.output === options.output &&
            (isPending(e) || e.orphan) &&
            job.clock.now() - Date.parse(e.intent.at) < 24 * 3600_000,
        )
      : [];
  const earlier = matching.at(-1);
  if (earlier && key && earlier.intent.requestHash !== identity) {
    throw new UsageError(
      `idempotency key "${key}" was used on ${earlier.intent.at} for another request ("${short(earlier.intent.prompt)}", ${earlier.intent.model}); use a new key for a new request`,
      '--idempotency-key',
    );
  }
  return earlier;
}

async function reuse(job: Job, earlier: TaskEntry, options: TrackOptions): Promise<TrackedTask | undefined> {
  const since = Date.parse(earlier.intent.at);
  const why = options.idempotencyKey ? `idempotency key "${options.idempotencyKey}"` : 'the same request and output';
  if (earlier.taskId) {
    // A task that ended without a video was not billed: asking again pays once.
    if (earlier.status === 'FAILED' || earlier.status === 'CANCELED' || earlier.status === 'UNKNOWN') return undefined;
    job.note(`reusing task ${earlier.taskId} (${why}, created ${earlier.intent.at}); nothing new is paid for`);
    return {
      taskId: earlier.taskId,
      requestId: earlier.requestId,
      status: earlier.status,
      reused: true,
      entryId: earlier.id,
      since,
    };
  }
  if (earlier.createFailed?.certain) return undefined;
  // The earlier process died (or its answer was lost) during its POST: did the service make the task?
  const found = (await reconcileOrphans(job, [earlier])).get(earlier.id);
  if (found?.kind === 'found') {
    job.note(`found task ${found.taskId}, created by an earlier attempt (${why}); reusing it`);
    return { taskId: found.taskId, reused: true, entryId: earlier.id, since };
  }
  if (found?.kind === 'unsure') {
    const flag = options.idempotencyKey ? '--idempotency-key' : undefined;
    throw new UsageError(
      `an earlier attempt (${why}, ${earlier.intent.at}) may have created one of ${found.candidates.join(', ')}, whose prompt the service shows only once it succeeds; check with wan status <id> later, or pass --new to create another`,
      flag,
    );
  }
  return undefined;
}

async function recordFailure(job: Job, id: string, err: unknown): Promise<void> {
  // A POST that may have reached the service leaves the intent open (an orphan), to be reconciled.
  const uncertain = (err instanceof ApiError || err instanceof ConnectionError) && err.mayHaveCreated;
  await job.journal
    .append({
      type: 'create-failed',
      id,
      certain: !uncertain,
      message: err instanceof Error ? err.message : String(err),
      ...(err instanceof ApiError && err.code ? { code: err.code } : {}),
      ...(err instanceof ApiError && err.requestId ? { requestId: err.requestId } : {}),
    })
    .catch(() => {});
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}
