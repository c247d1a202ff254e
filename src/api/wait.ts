import type { Clock } from './clock.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { WaitTimeoutError } from './errors/wait-timeout-error.js';
import { isTerminal, type TaskResponse } from './schemas.js';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called after every poll with the task as the service reported it. */
  onStatus?: (task: TaskResponse) => void;
  /** The whole wait budget in ms. @default 1_800_000 (30 min) */
  timeout?: number;
  /** Time between polls in ms; values under 1000 are raised to 1000. @default 5000 */
  interval?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60 * 1000;
export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const MIN_POLL_INTERVAL_MS = 1000;

/**
 * Polls until the task is terminal: the first look at once, then one every `interval` until the
 * budget is spent (the last sleep is shortened so the budget is kept). Resolves with the SUCCEEDED
 * task; FAILED/CANCELED/UNKNOWN reject with TaskFailedError, a spent budget with WaitTimeoutError.
 * The task itself is never cancelled here.
 */
export async function pollTask(
  getTask: (signal?: AbortSignal) => Promise<TaskResponse>,
  taskId: string,
  clock: Clock,
  options: WaitOptions = {},
): Promise<TaskResponse> {
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  const interval = Math.max(options.interval ?? DEFAULT_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS);
  const deadline = clock.now() + timeout;
  for (;;) {
    const task = await getTask(options.signal);
    options.onStatus?.(task);
    const status = task.output.task_status;
    if (status === 'SUCCEEDED') return task;
    if (isTerminal(status))
      throw new TaskFailedError(taskId, status, task.output.code, task.output.message, task.request_id);
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new WaitTimeoutError(taskId, status, timeout);
    await clock.sleep(Math.min(interval, remaining), options.signal);
  }
}
