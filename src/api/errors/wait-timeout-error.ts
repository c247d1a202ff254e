import { WanError } from './wan-error.js';

/** The wait budget ran out while the task still runs; the task is not cancelled and can be waited for again. */
export class WaitTimeoutError extends WanError {
  override readonly name = 'WaitTimeoutError';
  constructor(
    taskId: string,
    readonly lastStatus: string,
    readonly timeoutMs: number,
  ) {
    super(`task ${taskId} is still ${lastStatus} after ${Math.round(timeoutMs / 1000)}s; it was not cancelled`);
    this.taskId = taskId;
  }
}
