import { findModel } from '../api/catalogue.js';
import { listAll } from '../api/list-pager.js';
import { type ListedTask, numeric, type TaskResponse, text } from '../api/schemas.js';
import type { TaskEntry } from '../journal/fold.js';
import type { Job } from './job.js';

/** What became of a create whose answer never reached the journal (the process died, or the answer was lost). */
export type Reconciled =
  /** The service has its task: the same model, prompt and parameters, created just after the intent. */
  | { kind: 'found'; taskId: string }
  /** No task of the service can be it: the POST never arrived, so sending it again pays once. */
  | { kind: 'none' }
  /** Tasks that may be it cannot be told apart yet (their prompt shows once they succeed). */
  | { kind: 'unsure'; candidates: string[] };

/** Look this far before the earliest intent (clocks differ) and after the latest (a POST takes time). */
const BEFORE_MS = 60_000;
const AFTER_MS = 10 * 60_000;
/** More candidates than this and they are not looked up one by one. */
const MAX_LOOKUPS = 100;
/** States that bill nothing: a task in one of them may be re-created without paying twice. */
const UNBILLED = new Set(['FAILED', 'CANCELED', 'UNKNOWN']);

/**
 * The one reconciler of orphaned creates (intents with neither a task id nor a certain failure),
 * for `create --idempotency-key`, `run`, `batch`, `wait --pending` and `sweep`. A task of the
 * service's list is an orphan's only if it is what the orphan asked for — model, prompt and the
 * parameters its query shows — never for being of the same model and nearby in time: another
 * client's task must not be adopted. Unbilled tasks (failed, cancelled) are left out: re-creating
 * such a one pays once. Findings are written to the journal (`created` or a certain `create-failed`).
 */
export async function reconcileOrphans(
  job: Job,
  orphans: readonly TaskEntry[],
  options: { pace?: () => Promise<void> } = {},
): Promise<Map<string, Reconciled>> {
  const result = new Map<string, Reconciled>();
  if (orphans.length === 0) return result;
  const times = orphans.map((o) => Date.parse(o.intent.at));
  const models = new Set(orphans.map((o) => o.intent.model));
  const { tasks } = await listAll(
    job.client,
    {
      startTime: Math.min(...times) - BEFORE_MS,
      endTime: Math.min(Math.max(...times) + AFTER_MS, job.clock.now() + BEFORE_MS),
      ...(models.size === 1 ? { model: [...models][0]! } : {}),
    },
    { pace: options.pace, signal: job.signal },
  );
  const known = new Set((await job.journal.entries()).flatMap((e) => (e.taskId ? [e.taskId] : [])));
  const listed = tasks
    .filter((t) => !known.has(t.task_id) && !UNBILLED.has(t.status))
    .filter((t) => text(t.model_name) === undefined || models.has(String(t.model_name)));
  const details = new Map<string, TaskResponse>();
  for (const t of listed.slice(0, MAX_LOOKUPS)) {
    await options.pace?.();
    details.set(t.task_id, await job.client.getTask(t.task_id, { signal: job.signal }));
  }

  const taken = new Set<string>();
  for (const orphan of [...orphans].sort((a, b) => a.intent.at.localeCompare(b.intent.at))) {
    const at = Date.parse(orphan.intent.at);
    const near = listed.filter((t) => !taken.has(t.task_id) && mayBe(t, orphan, at));
    const confirmed = near
      .filter((t) => matches(details.get(t.task_id), orphan) === true)
      .sort((a, b) => distance(a, at) - distance(b, at));
    const open = near.filter((t) => matches(details.get(t.task_id), orphan) === undefined);
    let found: Reconciled;
    if (confirmed.length > 0) found = { kind: 'found', taskId: confirmed[0]!.task_id };
    else if (open.length > 0) found = { kind: 'unsure', candidates: open.map((t) => t.task_id) };
    else found = { kind: 'none' };
    result.set(orphan.id, found);
    if (found.kind === 'found') {
      taken.add(found.taskId);
      const requestId = text(details.get(found.taskId)?.request_id) ?? '';
      await job.journal.append({ type: 'created', id: orphan.id, taskId: found.taskId, requestId });
    } else if (found.kind === 'none') {
      await job.journal.append({
        type: 'create-failed',
        id: orphan.id,
        certain: true,
        message: 'the service has no task for this request: its create never arrived',
      });
    }
  }
  return result;
}

/** Same model (when listed) and created in the orphan's window. */
function mayBe(t: ListedTask, orphan: TaskEntry, at: number): boolean {
  const model = text(t.model_name);
  const created = numeric(t.gmt_create);
  if (model !== undefined && model !== orphan.intent.model) return false;
  return created === undefined || (created >= at - BEFORE_MS && created <= at + AFTER_MS);
}

function distance(t: ListedTask, at: number): number {
  return Math.abs((numeric(t.gmt_create) ?? at) - at);
}

/**
 * Whether a task's query shows the orphan's request: true (its prompt, and the size and duration
 * when shown, are the request's), false (something differs), undefined (the prompt is not shown:
 * the task has not succeeded yet).
 */
function matches(task: TaskResponse | undefined, orphan: TaskEntry): boolean | undefined {
  const shown = text(task?.output.orig_prompt);
  if (shown === undefined) return undefined;
  if (!samePrompt(shown, orphan)) return false;
  const usage = (task?.usage ?? {}) as Record<string, unknown>;
  const size = text(usage.video_ratio) ?? text(usage.size);
  const duration = numeric(usage.video_duration) ?? numeric(usage.duration);
  const asked = orphan.intent.parameters;
  if (typeof asked.size === 'string' && size !== undefined && /^\d+\*\d+$/.test(size) && size !== asked.size)
    return false;
  if (typeof asked.duration === 'number' && duration !== undefined && duration !== asked.duration) return false;
  return true;
}

/** The service shows the prompt after its silent truncation; the journal may hold a cut copy too. */
function samePrompt(shown: string, orphan: TaskEntry): boolean {
  const sent = orphan.intent.prompt;
  if (shown === sent) return true;
  const kept = findModel(orphan.intent.model)?.promptMax;
  if (kept !== undefined && sent.startsWith(shown) && [...shown].length >= kept) return true;
  return orphan.intent.promptTruncated === true && shown.startsWith(sent);
}
