import { describe, expect, it } from 'vitest';
import { AbortedError, ApiError, AuthError, ConnectionError, WaitTimeoutError } from '../../../src/api/errors/index.js';
import type { ListResponse, TaskResponse } from '../../../src/api/schemas.js';
import { TaskWatcher } from '../../../src/api/watcher.js';
import { fakeClock } from '../../helpers/fake-clock.js';

/**
 * A service whose tasks move through scripted states, one step per look at them: a query takes
 * the next state of its task, a list shows every task's current state (and moves them on).
 */
function service(
  scripts: Record<string, string[]>,
  options: { list?: 'refused' | 'fails'; query?: (id: string) => void } = {},
) {
  const clock = fakeClock();
  const step = new Map(Object.keys(scripts).map((id) => [id, 0]));
  const state = (id: string) => scripts[id]![Math.min(step.get(id)!, scripts[id]!.length - 1)]!;
  const advance = (id: string) => step.set(id, step.get(id)! + 1);
  const calls = { query: [] as string[], list: 0 };
  return {
    clock,
    calls,
    getTask: async (id: string): Promise<TaskResponse> => {
      calls.query.push(id);
      options.query?.(id);
      options.onCall?.();
      const status = scripts[id] ? state(id) : 'UNKNOWN';
      if (scripts[id]) advance(id);
      return {
        request_id: 'r',
        output: {
          task_id: id,
          task_status: status,
          ...(status === 'SUCCEEDED' ? { video_url: `https://v/${id}.mp4` } : {}),
        },
      };
    },
    listTasks: async (): Promise<ListResponse> => {
      calls.list++;
      options.onCall?.();
      if (options.list === 'refused') throw new ApiError('list tasks', 400, 'InvalidParameter', 'no list here');
      if (options.list === 'fails') throw new ConnectionError('list tasks', 'h', true, 'reset');
      const data = Object.keys(scripts).map((id) => ({ task_id: id, status: state(id) }));
      for (const id of Object.keys(scripts)) if (!['SUCCEEDED', 'FAILED'].includes(state(id))) advance(id);
      return { request_id: 'r', total: data.length, page_no: 1, page_size: 100, data };
    },
  };
}

describe('TaskWatcher: one task', () => {
  it('looks at once, then every interval, and resolves with the ended task', async () => {
    const s = service({ t1: ['PENDING', 'RUNNING', 'SUCCEEDED'] });
    const seen: string[] = [];
    const watcher = new TaskWatcher(s, { interval: 5000, onStatus: (t) => seen.push(t.output.task_status) });
    const task = await watcher.watch('t1');
    expect(task.output.task_status).toBe('SUCCEEDED');
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(s.clock.sleeps).toEqual([5000, 5000]);
    expect(s.calls.list).toBe(0);
  });

  it('never polls faster than once a second, and treats states it has never seen as running', async () => {
    const s = service({ t1: ['SUSPENDED', 'SUCCEEDED'] });
    const task = await new TaskWatcher(s, { interval: 10 }).watch('t1');
    expect(task.output.task_status).toBe('SUCCEEDED');
    expect(s.clock.sleeps).toEqual([1000]);
  });

  it.each(['FAILED', 'CANCELED', 'UNKNOWN'])(
    'resolves with a task that ended %s (the caller decides)',
    async (status) => {
      const s = service({ t1: [status] });
      expect((await new TaskWatcher(s).watch('t1')).output.task_status).toBe(status);
    },
  );

  it('keeps the budget exactly: the last look at the deadline, then WaitTimeoutError', async () => {
    const s = service({ t1: ['RUNNING'] });
    const error = await new TaskWatcher(s, { timeout: 12_000, interval: 5000 }).watch('t1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).message).toBe('task t1 is still RUNNING after 12s; it was not cancelled');
    expect(s.clock.sleeps).toEqual([5000, 5000, 2000]);
  });

  it('a budget of 0 looks once (sweep)', async () => {
    const s = service({ t1: ['RUNNING', 'SUCCEEDED'] });
    const error = await new TaskWatcher(s, { timeout: 0 }).watch('t1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(s.calls.query).toEqual(['t1']);
  });

  it('stops every watch when the signal fires', async () => {
    const controller = new AbortController();
    const s = service({ t1: ['RUNNING'], t2: ['RUNNING'] }, { onCall: () => controller.abort() });
    const watcher = new TaskWatcher(s, { signal: controller.signal });
    const errors = await Promise.all(['t1', 't2'].map((id) => watcher.watch(id).catch((e: unknown) => e)));
    for (const [i, error] of errors.entries()) {
      expect(error).toBeInstanceOf(AbortedError);
      expect((error as AbortedError).taskId).toBe(`t${i + 1}`);
    }
  });

  it('a refused key ends every watch at once', async () => {
    const s = service({ t1: ['RUNNING'] });
    s.getTask = async () => {
      throw new AuthError('query task', 401, 'InvalidApiKey', 'Invalid API-key provided.');
    };
    await expect(new TaskWatcher(s).watch('t1')).rejects.toBeInstanceOf(AuthError);
  });
});

describe('TaskWatcher: several tasks', () => {
  it('one list per interval covers them all; each task is queried once, when it has ended', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const s = service(Object.fromEntries(ids.map((id, i) => [id, [...Array(i % 4).fill('RUNNING'), 'SUCCEEDED']])));
    const watcher = new TaskWatcher(s, { interval: 5000 });
    const tasks = await Promise.all(ids.map((id) => watcher.watch(id)));
    expect(tasks.map((t) => t.output.task_status)).toEqual(ids.map(() => 'SUCCEEDED'));
    expect(s.calls.list).toBe(4);
    expect(s.calls.query.sort()).toEqual([...ids].sort());
  });

  it('with the list refused, every task is asked for alone and all finish (as batch does)', async () => {
    const warned: unknown[] = [];
    const s = service(
      { t1: ['RUNNING', 'SUCCEEDED'], t2: ['PENDING', 'SUCCEEDED'], t3: ['SUCCEEDED'] },
      { list: 'refused' },
    );
    const watcher = new TaskWatcher(s, { interval: 5000, onListRefused: (err) => warned.push(err) });
    const tasks = await Promise.all(['t1', 't2', 't3'].map((id) => watcher.watch(id)));
    expect(tasks.map((t) => t.output.task_status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(s.calls.list).toBe(1);
    expect(warned).toHaveLength(1);
  });

  it('a list that fails for a moment is replaced by queries for that round', async () => {
    const s = service({ t1: ['RUNNING', 'SUCCEEDED'], t2: ['SUCCEEDED'] }, { list: 'fails' });
    const tasks = await Promise.all(['t1', 't2'].map((id) => new TaskWatcher(s).watch(id)));
    expect(tasks.every((t) => t.output.task_status === 'SUCCEEDED')).toBe(true);
  });

  it('a task the list does not show (another key, too old) is asked for on its own', async () => {
    const s = service({ t1: ['SUCCEEDED'] });
    const watcher = new TaskWatcher(s);
    const [a, b] = await Promise.all([watcher.watch('t1'), watcher.watch('elsewhere')]);
    expect(a.output.task_status).toBe('SUCCEEDED');
    expect(b.output.task_status).toBe('UNKNOWN');
  });
});
