import { describe, expect, it } from 'vitest';
import { AbortedError, TaskFailedError, WaitTimeoutError } from '../../../src/api/errors/index.js';
import type { TaskResponse } from '../../../src/api/schemas.js';
import { pollTask } from '../../../src/api/wait.js';
import { fakeClock } from '../../helpers/fake-clock.js';

const task = (status: string, extra: Record<string, string> = {}): TaskResponse => ({
  request_id: 'r',
  output: { task_id: 't1', task_status: status, ...extra },
});

function script(...statuses: TaskResponse[]) {
  let i = 0;
  return async () => statuses[Math.min(i++, statuses.length - 1)]!;
}

describe('pollTask', () => {
  it('looks at once, then every interval, until SUCCEEDED', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const done = await pollTask(script(task('PENDING'), task('RUNNING'), task('SUCCEEDED')), 't1', clock, {
      interval: 5000,
      onStatus: (t) => seen.push(t.output.task_status),
    });
    expect(done.output.task_status).toBe('SUCCEEDED');
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(clock.sleeps).toEqual([5000, 5000]);
  });
  it('never polls faster than once a second', async () => {
    const clock = fakeClock();
    await pollTask(script(task('RUNNING'), task('SUCCEEDED')), 't1', clock, { interval: 10 });
    expect(clock.sleeps).toEqual([1000]);
  });
  it.each(['FAILED', 'CANCELED', 'UNKNOWN'])('rejects %s with the task code and message', async (status) => {
    const error = await pollTask(
      script(task(status, { code: 'DataInspectionFailed', message: 'bad' })),
      't1',
      fakeClock(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toBe(status);
  });
  it('treats states it has never seen as still running', async () => {
    const done = await pollTask(script(task('SUSPENDED'), task('SUCCEEDED')), 't1', fakeClock());
    expect(done.output.task_status).toBe('SUCCEEDED');
  });
  it('keeps the budget exactly and says how to resume', async () => {
    const clock = fakeClock();
    const error = await pollTask(script(task('RUNNING')), 't1', clock, { timeout: 12_000, interval: 5000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe('task t1 is still RUNNING after 12s; resume with: wan wait t1');
    expect(clock.sleeps).toEqual([5000, 5000, 2000]);
  });
  it('stops when the signal fires', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const error = await pollTask(
      async () => {
        controller.abort();
        return task('RUNNING');
      },
      't1',
      clock,
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
  });
});
