import { findModel } from '../api/catalogue.js';
import { accountIds } from './account.js';
import type { TaskPhase, TaskStatus } from './task-phase.js';
import type { TaskRecord } from './task-record.js';
import { parseBeijingCompact } from './time-format.js';

/**
 * `GET /tasks` (dashscope-api.md §1.2): the caller's tasks in a time window of at most 24 h (default:
 * the last 24 h), filtered and paged, newest first, in the reference's top-level shape (not wrapped in
 * `output`). Pure: the route supplies the records, the clock and each task's phase.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const STATUSES: readonly TaskStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];
/** UNCONFIRMED: §1.2 does not state a maximum page size; one client uses 100, so larger pages are refused. */
export const MAX_PAGE_SIZE = 100;

export interface ListPage {
  total: number;
  total_page: number;
  page_no: number;
  page_size: number;
  data: Array<Record<string, unknown>>;
}

type Invalid = { ok: false; code: string; message: string };
export type ListResult = { ok: true; page: ListPage } | Invalid;

const invalid = (name: string): Invalid => ({
  ok: false,
  code: 'InvalidParameter',
  message: `Required parameter(${name}) missing or invalid, please check the request parameters.`,
});

/** Who is asking: their key's hash and the region id the sandbox answers for (`cn-beijing`, …). */
export interface ListCaller {
  keyHash: string;
  regionId: string;
}

export function listTasks(
  tasks: readonly TaskRecord[],
  query: URLSearchParams,
  now: number,
  caller: ListCaller,
  phaseOf: (task: TaskRecord) => TaskPhase,
): ListResult {
  const param = (name: string) => {
    const value = query.get(name);
    return value === null || value.trim() === '' ? undefined : value.trim();
  };
  const window = timeWindow(param('start_time'), param('end_time'), now);
  if ('code' in window) return window;

  const pageNo = positive(param('page_no'), 1);
  if (pageNo === undefined) return invalid('page_no');
  const pageSize = positive(param('page_size'), 10);
  if (pageSize === undefined || pageSize > MAX_PAGE_SIZE) return invalid('page_size');
  const status = param('status');
  // UNCONFIRMED: how the service answers an unknown status; refusing it surfaces typos.
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) return invalid('status');
  const taskId = param('task_id');
  const model = param('model_name');
  // `api_key_id` and `region` are sent by the SDKs but not documented (§1.2); they are accepted and ignored.

  const rows = tasks
    .filter((task) => task.keyHash === caller.keyHash) // records from before keys were hashed belong to no one
    .filter((task) => task.submitTime >= window.start && task.submitTime <= window.end)
    .filter((task) => (taskId === undefined || task.id === taskId) && (model === undefined || task.model === model))
    .map((task) => ({ task, phase: phaseOf(task) }))
    // A task that reads UNKNOWN is one the service no longer knows (§4.2), so it is not listed either.
    .filter(({ phase }) => phase.status !== 'UNKNOWN' && (status === undefined || phase.status === status))
    .sort((a, b) => b.task.submitTime - a.task.submitTime || (b.task.seq ?? 0) - (a.task.seq ?? 0));

  const data = rows
    .slice((pageNo - 1) * pageSize, pageNo * pageSize)
    .map(({ task, phase }) => listItem(task, phase, caller.regionId));
  return {
    ok: true,
    page: {
      total: rows.length,
      total_page: Math.ceil(rows.length / pageSize),
      page_no: pageNo,
      page_size: pageSize,
      data,
    },
  };
}

/** One `data[]` entry, fields in the reference's order; times are epoch ms. */
function listItem(task: TaskRecord, phase: TaskPhase, regionId: string): Record<string, unknown> {
  const ids = accountIds(task.keyHash ?? '');
  const finished = phase.status === 'SUCCEEDED' || phase.status === 'FAILED' || phase.status === 'CANCELED';
  return {
    api_key_id: ids.apiKeyId,
    caller_parent_id: ids.uid,
    caller_uid: ids.uid,
    gmt_create: task.submitTime,
    // The reference's RUNNING example has start_time 29 ms after gmt_create: the request's acceptance,
    // not the (seconds later) scheduled_time, so it is the submit time here too.
    start_time: task.submitTime,
    ...(finished ? { end_time: phase.endTime } : {}),
    model_name: task.model,
    region: regionId,
    request_id: task.requestId ?? task.id,
    status: phase.status,
    task_id: task.id,
    user_api_unique_key: uniqueKey(task),
  };
}

/**
 * §1.2's example is a kf2v task's (`apikey:v1:aigc:image2video:video-synthesis:wanx2.1-kf2v-plus`); the
 * service segment of other models' keys is inferred from their create path (UNCONFIRMED).
 */
function uniqueKey(task: TaskRecord): string {
  const service = findModel(task.modelId)?.service ?? 'video-generation';
  return `apikey:v1:aigc:${service}:video-synthesis:${task.model}`;
}

/** [start, end] in epoch ms; an end given in seconds covers its whole second. */
function timeWindow(
  startText: string | undefined,
  endText: string | undefined,
  now: number,
): { start: number; end: number } | Invalid {
  const start = startText === undefined ? undefined : parseBeijingCompact(startText);
  const end = endText === undefined ? undefined : parseBeijingCompact(endText);
  if (startText !== undefined && start === undefined) return invalid('start_time');
  if (endText !== undefined && end === undefined) return invalid('end_time');
  if (start === undefined && end === undefined) return { start: now - DAY_MS, end: now };
  const from = start ?? end! - DAY_MS;
  const to = end ?? start! + DAY_MS;
  if (to < from || to - from > DAY_MS) {
    // UNCONFIRMED: §1.2 says the span must be ≤ 24 h; the exact message is not documented.
    return {
      ok: false,
      code: 'InvalidParameter',
      message: 'The time span between start_time and end_time must be at most 24 hours.',
    };
  }
  return { start: from, end: end === undefined ? to : to + 999 };
}

function positive(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 ? n : undefined;
}
