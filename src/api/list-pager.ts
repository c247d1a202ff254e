import type { WanClient } from './client.js';
import { type ListedTask, numeric } from './schemas.js';

/** The page size asked for: 100 is the largest one client is known to use (dashscope-api.md §1.2). */
export const PAGE_SIZE = 100;
/** The list accepts at most 24 hours (§1.2). */
export const LIST_WINDOW_MS = 24 * 3600_000;

export interface ListWindow {
  /** Epoch ms; the window is cut to the last 24 hours before `endTime`. */
  startTime: number;
  endTime: number;
  /** The model id as sent. */
  model?: string;
  status?: string;
}

export interface PagerOptions {
  /** Waits for the account's query rate before each page. */
  pace?: () => Promise<void>;
  signal?: AbortSignal;
  /** Stop after this many pages. @default 50 (5,000 tasks: more than a day of any model's limits) */
  maxPages?: number;
  /** Stop as soon as the tasks so far are enough. */
  enough?: (tasks: readonly ListedTask[]) => boolean;
  pageSize?: number;
  firstPage?: number;
}

/**
 * The one way `wan` pages through `GET /tasks`: page after page until the service has no more, the
 * caller has enough, or `maxPages`. Returns the tasks and the total the service reported.
 */
export async function listAll(
  client: Pick<WanClient, 'listTasks'>,
  window: ListWindow,
  options: PagerOptions = {},
): Promise<{ tasks: ListedTask[]; total?: number }> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const startTime = Math.max(window.startTime, window.endTime - LIST_WINDOW_MS);
  const tasks: ListedTask[] = [];
  let total: number | undefined;
  const first = options.firstPage ?? 1;
  for (let page = first; page < first + (options.maxPages ?? 50); page++) {
    await options.pace?.();
    const res = await client.listTasks({ ...window, startTime, page, pageSize }, { signal: options.signal });
    tasks.push(...res.data);
    total = numeric(res.total) ?? total;
    const pages = numeric(res.total_page);
    if (options.enough?.(tasks) || res.data.length < pageSize || (pages !== undefined && page >= pages)) break;
    if (total !== undefined && tasks.length >= total) break;
  }
  return { tasks, ...(total !== undefined ? { total } : {}) };
}
