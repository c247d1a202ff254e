import type { TaskRecord } from './task-record.js';

/**
 * When each rate-limited task gets a processing slot (dashscope-api.md §6.1: a model allows N tasks
 * processed at once per account; the real service queues the rest, which stay PENDING).
 *
 * Computed from the records alone — submit times, timings, cancels — rather than stored, so every
 * process sharing a state dir derives the same schedule, and a cancel only moves later admissions:
 * per key and model, tasks are admitted first-in first-out; a task holds its slot from admission
 * through its pendingMs and runningMs (or until it is canceled); one canceled while still queued
 * never takes a slot. Tasks without `concurrency` (limits off) are absent: admitted at submit time.
 */
export function admissionTimes(tasks: Iterable<TaskRecord>): Map<string, number> {
  const groups = new Map<string, TaskRecord[]>();
  for (const task of tasks) {
    if (task.concurrency === undefined) continue;
    const key = `${task.keyHash ?? ''}\n${task.modelId}`;
    const group = groups.get(key);
    if (group) group.push(task);
    else groups.set(key, [task]);
  }
  const admitted = new Map<string, number>();
  for (const group of groups.values()) scheduleGroup(group, admitted);
  return admitted;
}

function fifo(a: TaskRecord, b: TaskRecord): number {
  return a.submitTime - b.submitTime || (a.seq ?? 0) - (b.seq ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function scheduleGroup(group: TaskRecord[], admitted: Map<string, number>): void {
  group.sort(fifo);
  /** When each occupied slot frees, ascending. */
  let releases: number[] = [];
  let lastAdmit = -Infinity;
  for (const task of group) {
    const limit = Math.max(1, task.concurrency ?? 1);
    let t = Math.max(task.submitTime, lastAdmit);
    const busy = releases.filter((r) => r > t);
    // Wait until enough slots free that fewer than `limit` are still taken.
    if (busy.length >= limit) t = busy[busy.length - limit]!;
    if (task.canceledTime !== undefined && task.canceledTime <= t) continue;
    lastAdmit = t;
    admitted.set(task.id, t);
    const scheduled = t + task.pendingMs;
    const natural = task.outcome.status === 'CANCELED' ? scheduled : scheduled + task.runningMs;
    const release = task.canceledTime !== undefined ? Math.min(task.canceledTime, natural) : natural;
    releases = [...releases.filter((r) => r > t), release].sort((a, b) => a - b);
  }
}
