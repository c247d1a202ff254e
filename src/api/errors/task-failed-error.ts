import { WanError } from './wan-error.js';

/** The task reached a terminal state without a video: FAILED, CANCELED or UNKNOWN. */
export class TaskFailedError extends WanError {
  override readonly name = 'TaskFailedError';
  constructor(
    taskId: string,
    readonly status: string,
    readonly code: string | undefined,
    readonly taskMessage: string | undefined,
    requestId?: string,
  ) {
    super(TaskFailedError.describe(taskId, status, code, taskMessage));
    this.taskId = taskId;
    this.requestId = requestId;
  }

  private static describe(taskId: string, status: string, code?: string, message?: string): string {
    if (status === 'UNKNOWN') {
      return `task ${taskId} is UNKNOWN: the id does not exist in this region, or the task is older than 24 hours (results are kept 24 hours)`;
    }
    if (status === 'CANCELED') return `task ${taskId} was CANCELED`;
    if (status === 'PENDING' || status === 'RUNNING')
      return `task ${taskId} is still ${status} and has no video yet; wait for it with: wan wait ${taskId}`;
    return `task ${taskId} ${status}${code ? `: ${code}` : ''}${message ? `: ${message}` : ''}`;
  }
}
