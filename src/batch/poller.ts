import type { WanClient } from '../api/client.js';
import type { ListedTask } from '../api/schemas.js';

/**
 * Polling economy (dashscope-api.md §6.1: queries and lists share 20 per second per account): a
 * batch looks at all its running tasks with one `GET /tasks` list per interval, covering the
 * window from the earliest one's submission to now, and follows pages only until every task it
 * looks for is found. `GET /tasks/{id}` is left for what the list cannot say (a video URL, a
 * failure's code) and for a task the list does not show.
 */

export interface Watched {
  taskId: string;
  /** Client time at or before the task's submission, ms. */
  since: number;
}

export interface ListDeps {
  client: WanClient;
  /** Waits for the query rate; called before every page. */
  pace: () => Promise<void>;
  now: number;
  /** The model id as sent, when the batch uses one: fewer foreign tasks to page through. */
  model?: string;
  signal?: AbortSignal;
}

/** Clocks differ: the window reaches this far past both ends. */
const MARGIN_MS = 60_000;
/** The list accepts at most 24 hours (§1.2). */
const WINDOW_MAX_MS = 24 * 3600_000 - MARGIN_MS;
/** The page size the list is asked for (100 is the largest one client is known to use; §1.2). */
export const PAGE_SIZE = 100;
/** A safety stop: 50 pages is 5,000 tasks, more than a day of any model's limits allows. */
const MAX_PAGES = 50;

/** The listed state of each watched task that the list shows. */
export async function listStatuses(watched: readonly Watched[], deps: ListDeps): Promise<Map<string, ListedTask>> {
  const found = new Map<string, ListedTask>();
  if (watched.length === 0) return found;
  const wanted = new Set(watched.map((w) => w.taskId));
  const end = deps.now + MARGIN_MS;
  const start = Math.max(Math.min(...watched.map((w) => w.since)) - MARGIN_MS, end - WINDOW_MAX_MS);
  for (let page = 1; page <= MAX_PAGES; page++) {
    await deps.pace();
    const res = await deps.client.listTasks(
      { startTime: start, endTime: end, model: deps.model, page, pageSize: PAGE_SIZE },
      { signal: deps.signal },
    );
    for (const task of res.data) if (wanted.has(task.task_id)) found.set(task.task_id, task);
    if (found.size === wanted.size || res.data.length < res.page_size || page >= (res.total_page ?? page)) break;
  }
  return found;
}
