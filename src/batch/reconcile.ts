import type { WanClient } from '../api/client.js';
import type { ListedTask } from '../api/schemas.js';
import type { LazyJournal } from '../commands/lazy-journal.js';
import type { TaskEntry } from '../journal/index.js';

/**
 * After a crash (a SIGKILL) during creates, some lines have an intent in the journal and no task
 * id: their POST may or may not have reached the service. `createTracked` can settle one such
 * create at a time, but a batch may leave several, with the same model and time, and then each
 * sees the others' tasks as candidates. Here they are settled together: the service's task list
 * around their time, minus every task the journal knows, is matched to them by model, creation
 * time nearest the intent (which is written just before its POST) and, for finished tasks, the
 * prompt (`orig_prompt` is only shown once a task has SUCCEEDED, dashscope-api.md §4.2). A matched
 * line gets its task recorded; an unmatched one is recorded as certainly not created, so it is
 * sent again.
 *
 * What it cannot tell apart: another client's task of the same model, created within a minute of
 * the cut-off create and still running, from the one that create made. */

export interface Orphan {
  line: number;
  entry: TaskEntry;
}

export interface ReconcileDeps {
  client: WanClient;
  journal: Pick<LazyJournal, 'append' | 'entries'>;
  /** Waits for the query rate (every list page and query goes through it). */
  pace: () => Promise<void>;
  now: number;
  signal?: AbortSignal;
}

/** Look this far before the earliest intent and after the latest (clocks differ; a POST takes time). */
const BEFORE_MS = 60_000;
/** A task whose prompt cannot be seen yet must have been created this close to the intent. */
const NEAR_MS = 60_000;
const AFTER_MS = 10 * 60_000;
/** The service lists at most 24 hours at a time (dashscope-api.md §1.2). */
const WINDOW_MAX_MS = 24 * 3600_000 - 60_000;
/** More unknown tasks than this in the window and we stop looking them up one by one. */
const MAX_LOOKUPS = 100;

/** Returns the task id found for each orphan's line (absent: none, it will be created again). */
export async function reconcileOrphans(orphans: Orphan[], deps: ReconcileDeps): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (orphans.length === 0) return found;
  const { client, journal, signal } = deps;
  const times = orphans.map((o) => Date.parse(o.entry.intent.at));
  const end = Math.min(Math.max(...times) + AFTER_MS, deps.now + BEFORE_MS);
  const start = Math.max(Math.min(...times) - BEFORE_MS, end - WINDOW_MAX_MS);
  const known = new Set((await journal.entries()).map((e) => e.taskId).filter((id): id is string => id !== undefined));
  const models = new Set(orphans.map((o) => o.entry.intent.model));

  const candidates: ListedTask[] = [];
  for (let page = 1; ; page++) {
    await deps.pace();
    const res = await client.listTasks({ startTime: start, endTime: end, page, pageSize: 100 }, { signal });
    candidates.push(
      ...res.data.filter((t) => !known.has(t.task_id) && (t.model_name === undefined || models.has(t.model_name))),
    );
    if (res.data.length < res.page_size || page >= (res.total_page ?? page)) break;
  }
  candidates.sort((a, b) => (a.gmt_create ?? 0) - (b.gmt_create ?? 0));

  const prompts = new Map<string, string | undefined>();
  for (const task of candidates.filter((t) => t.status === 'SUCCEEDED').slice(0, MAX_LOOKUPS)) {
    await deps.pace();
    prompts.set(task.task_id, (await client.getTask(task.task_id, { signal })).output.orig_prompt);
  }
  const taken = new Set<string>();
  const bySubmission = [...orphans].sort((a, b) => a.entry.intent.at.localeCompare(b.entry.intent.at));
  for (const { line, entry } of bySubmission) {
    const at = Date.parse(entry.intent.at);
    // The intent is written just before its POST, so its task is the matching one created nearest that time.
    const match = candidates
      .filter(
        (t) =>
          !taken.has(t.task_id) &&
          (t.model_name === undefined || t.model_name === entry.intent.model) &&
          (t.gmt_create === undefined || t.gmt_create >= at - BEFORE_MS) &&
          (prompts.has(t.task_id)
            ? samePrompt(prompts.get(t.task_id), entry)
            : t.gmt_create !== undefined && Math.abs(t.gmt_create - at) <= NEAR_MS),
      )
      .sort((a, b) => Math.abs((a.gmt_create ?? at) - at) - Math.abs((b.gmt_create ?? at) - at))[0];
    if (match) {
      taken.add(match.task_id);
      found.set(line, match.task_id);
      await journal.append({ type: 'created', id: entry.id, taskId: match.task_id, requestId: match.request_id ?? '' });
    } else if (candidates.filter((t) => t.status === 'SUCCEEDED').length <= MAX_LOOKUPS) {
      // Every unknown task in the window was considered and none is this line's: its POST never arrived.
      await journal.append({
        type: 'create-failed',
        id: entry.id,
        certain: true,
        message: 'wan batch: no task for this create in the service task list; sending it again',
      });
    }
  }
  return found;
}

/** The service shows the prompt after its silent truncation; the journal may hold a cut copy too. */
function samePrompt(listed: string | undefined, entry: TaskEntry): boolean {
  if (listed === undefined) return false;
  const sent = entry.intent.prompt;
  return (
    listed === sent ||
    (listed.length > 0 && sent.startsWith(listed)) ||
    (entry.intent.promptTruncated === true && listed.startsWith(sent))
  );
}
