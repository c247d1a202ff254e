import type { TaskRecord } from './task-record.js';

export type TaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

export interface TaskPhase {
  status: TaskStatus;
  /** When the task left PENDING (absent for canceled tasks, which never ran). */
  scheduledTime?: number;
  /** When the task reached its terminal state. */
  endTime: number;
}

/**
 * The state of a task at `now`, computed from stored timestamps only, so any process with the same
 * records and clock gives the same answer: PENDING until admitted to a processing slot (`admitTime`,
 * the submit time unless rate limits queue it, see task-queue.ts) plus pendingMs, RUNNING for
 * runningMs, then the outcome; UNKNOWN once `retentionMs` have passed since the end (dashscope-api.md §6.2).
 */
export function phaseAt(task: TaskRecord, now: number, retentionMs: number, admitTime = task.submitTime): TaskPhase {
  const scheduled = admitTime + task.pendingMs;
  const canceled = task.canceledTime !== undefined || task.outcome.status === 'CANCELED';
  const endTime = task.canceledTime ?? (canceled ? scheduled : scheduled + task.runningMs);

  if (now >= endTime + retentionMs) return { status: 'UNKNOWN', endTime };
  if (canceled) return { status: now >= endTime ? 'CANCELED' : 'PENDING', endTime };
  if (now < scheduled) return { status: 'PENDING', endTime };
  if (now < endTime) return { status: 'RUNNING', scheduledTime: scheduled, endTime };
  return { status: task.outcome.status, scheduledTime: scheduled, endTime };
}
