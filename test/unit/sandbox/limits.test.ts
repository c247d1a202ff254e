import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { admissionTimes } from '../../../src/sandbox/task-queue.js';
import type { TaskRecord } from '../../../src/sandbox/task-record.js';
import {
  asyncHeaders,
  cancelTask,
  createTask,
  fakeClock,
  getTask,
  listTasks,
  postCreate,
  t2v,
  tempDir,
  UUID,
} from './helpers.js';

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  // wan2.2-t2v-plus keeps the catalogue's 2/s and 2 at once; wan2.5 gets a roomier custom limit.
  sb = await startSandbox({
    clock,
    pendingMs: 1000,
    runningMs: 4000,
    limits: { 'wan2.5-t2v-preview': { submitPerSecond: 10, concurrent: 3 } },
  });
});
afterAll(() => sb.close());

const plus = t2v('wan2.2-t2v-plus', { size: '832*480' });
const status = async (id: string) => (await getTask(sb, id)).body.output.task_status as string;

describe('task-submit rate', () => {
  it("refuses creates above the model's submitPerSecond with 429 and Retry-After: 1, in a sliding second", async () => {
    expect((await postCreate(sb, plus)).status).toBe(200);
    clock.advance(500);
    expect((await postCreate(sb, plus)).status).toBe(200);
    const refused = await postCreate(sb, plus);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({
      code: 'Throttling.RateQuota',
      message: 'Requests rate limit exceeded, please try again later.',
      request_id: expect.stringMatching(UUID),
    });
    // Another key and another model have their own windows.
    expect((await postCreate(sb, plus, asyncHeaders('sk-someone-else'))).status).toBe(200);
    expect((await postCreate(sb, t2v('wan2.5-t2v-preview'))).status).toBe(200);
    // The first create leaves the window 1 s after it was accepted.
    clock.advance(499);
    expect((await postCreate(sb, plus)).status).toBe(429);
    clock.advance(1);
    expect((await postCreate(sb, plus)).status).toBe(200);
    clock.advance(60_000);
  });
});

describe('concurrent tasks', () => {
  it('keep tasks beyond the limit PENDING until a slot frees; their PENDING time starts then', async () => {
    const key = asyncHeaders('sk-queue');
    const body = (prompt: string) => t2v('wan2.2-t2v-plus', { size: '832*480' }, prompt);
    const start = clock.now();
    const a = (await postCreate(sb, body('a'), key)).body.output.task_id as string;
    const b = (await postCreate(sb, body('b'), key)).body.output.task_id as string;
    clock.advance(1000);
    const c = (await postCreate(sb, body('c'), key)).body.output.task_id as string;
    const get = async (id: string) => (await getTask(sb, id, 'sk-queue')).body.output;

    expect([(await get(a)).task_status, (await get(b)).task_status, (await get(c)).task_status]).toEqual([
      'RUNNING',
      'RUNNING',
      'PENDING',
    ]);
    // a and b end at start + 5 s; c gets a slot then, is PENDING 1 s more, RUNNING 4 s.
    clock.advance(3999);
    expect((await get(c)).task_status).toBe('PENDING');
    clock.advance(1);
    expect((await get(a)).task_status).toBe('SUCCEEDED');
    expect((await get(c)).task_status).toBe('PENDING');
    clock.advance(1000);
    const running = await get(c);
    expect(running.task_status).toBe('RUNNING');
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 23);
    expect(running.submit_time).toBe(beijing(start + 1000));
    expect(running.scheduled_time).toBe(beijing(start + 6000));
    clock.advance(4000);
    expect((await get(c)).end_time).toBe(beijing(start + 10_000));
    clock.advance(60_000);
  });

  it('a queued task can be canceled; the queue behind it does not jump ahead of running tasks', async () => {
    const key = asyncHeaders('sk-cancel');
    const body = t2v('wan2.2-t2v-plus', { size: '832*480' });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await postCreate(sb, body, key)).body.output.task_id);
    clock.advance(1000);
    for (let i = 0; i < 2; i++) ids.push((await postCreate(sb, body, key)).body.output.task_id);
    const [a, , c, d] = ids as [string, string, string, string];
    // a and b hold the slots (RUNNING); c and d wait. Cancel c while queued: nothing else moves.
    expect((await cancelTask(sb, c, 'sk-cancel')).status).toBe(200);
    expect((await getTask(sb, c, 'sk-cancel')).body.output).toMatchObject({ task_status: 'CANCELED' });
    expect((await getTask(sb, c, 'sk-cancel')).body.output.scheduled_time).toBeUndefined();
    expect((await getTask(sb, d, 'sk-cancel')).body.output.task_status).toBe('PENDING');
    // A RUNNING task cannot be canceled.
    expect((await cancelTask(sb, a, 'sk-cancel')).body.code).toBe('UnsupportedOperation');
    // When a and b end (start + 5 s), d takes a slot: RUNNING after its own 1 s of PENDING.
    clock.advance(4000);
    expect((await getTask(sb, d, 'sk-cancel')).body.output.task_status).toBe('PENDING');
    clock.advance(1000);
    expect((await getTask(sb, d, 'sk-cancel')).body.output.task_status).toBe('RUNNING');
    clock.advance(60_000);
  });

  it('a slot holder canceled during its PENDING time frees its slot at once', async () => {
    const key = asyncHeaders('sk-holder');
    const body = t2v('wan2.5-t2v-preview');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await postCreate(sb, body, key)).body.output.task_id);
    const [first, , , fourth] = ids as [string, string, string, string];
    clock.advance(500);
    expect((await cancelTask(sb, first, 'sk-holder')).status).toBe(200);
    // The fourth got the slot at the cancel: PENDING for its own 1 s from then.
    clock.advance(999);
    expect((await getTask(sb, fourth, 'sk-holder')).body.output.task_status).toBe('PENDING');
    clock.advance(1);
    expect((await getTask(sb, fourth, 'sk-holder')).body.output.task_status).toBe('RUNNING');
    clock.advance(60_000);
  });

  it('lists queued tasks as PENDING', async () => {
    const key = asyncHeaders('sk-list');
    for (let i = 0; i < 2; i++) expect((await postCreate(sb, plus, key)).status).toBe(200);
    clock.advance(1000);
    expect((await postCreate(sb, plus, key)).status).toBe(200);
    const reply = await listTasks(sb, '', 'sk-list');
    expect(reply.body.data.map((t: any) => t.status)).toEqual(['PENDING', 'RUNNING', 'RUNNING']);
    clock.advance(60_000);
  });

  it('uses the given concurrency per model', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await createTask(sb, t2v('wan2.5-t2v-preview', {}, `p${i}`)));
    clock.advance(1000);
    expect(await Promise.all(ids.map(status))).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'PENDING']);
    clock.advance(60_000);
  });
});

describe('query rate', () => {
  it('allows 20 query/list/cancel requests per second per key, then 429', async () => {
    clock.advance(5000);
    const key = 'sk-poller';
    const statuses: number[] = [];
    for (let i = 0; i < 18; i++) statuses.push((await getTask(sb, 'x', key)).status);
    statuses.push((await listTasks(sb, '', key)).status);
    statuses.push((await cancelTask(sb, 'x', key)).status);
    expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
    const refused = await getTask(sb, 'x', key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.code).toBe('Throttling.RateQuota');
    expect((await getTask(sb, 'x', 'sk-another-poller')).status).toBe(200);
    clock.advance(1000);
    expect((await getTask(sb, 'x', key)).status).toBe(200);
  });
});

describe('limits off (the default)', () => {
  it('throttles and queues nothing', async () => {
    const open = await startSandbox({ clock, pendingMs: 0, runningMs: 1000 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await createTask(open, plus));
      for (let i = 0; i < 25; i++) expect((await getTask(open, ids[0]!)).status).toBe(200);
      expect(
        new Set(await Promise.all(ids.map(async (id) => (await getTask(open, id)).body.output.task_status))),
      ).toEqual(new Set(['RUNNING']));
    } finally {
      await open.close();
    }
  });

  it('`limits: true` uses the catalogue values', async () => {
    const limited = await startSandbox({ clock, limits: true });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await postCreate(limited, t2v('wan2.5-t2v-preview'))).status);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('processes sharing a state dir agree on the queue', async () => {
    const dir = await tempDir('queue');
    const a = await startSandbox({ clock, stateDir: dir.path, pendingMs: 0, runningMs: 5000, limits: true });
    const b = await startSandbox({ clock, stateDir: dir.path });
    try {
      const ids = [await createTask(a, plus), await createTask(a, plus)];
      clock.advance(1000);
      ids.push(await createTask(a, plus));
      const read = async (sandbox: Sandbox) =>
        Promise.all(ids.map(async (id) => (await getTask(sandbox, id)).body.output.task_status));
      expect(await read(b)).toEqual(['RUNNING', 'RUNNING', 'PENDING']);
      clock.advance(4000);
      expect(await read(b)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'RUNNING']);
    } finally {
      await a.close();
      await b.close();
      await dir.remove();
    }
  });
});

describe('admissionTimes', () => {
  const task = (id: string, submitTime: number, extra: Partial<TaskRecord> = {}): TaskRecord => ({
    id,
    model: 'm',
    modelId: 'm',
    prompt: '',
    parameters: {},
    duration: 5,
    fps: 30,
    seed: 1,
    promptExtend: true,
    submitTime,
    pendingMs: 10,
    runningMs: 100,
    outcome: { status: 'SUCCEEDED' },
    keyHash: 'k',
    concurrency: 1,
    ...extra,
  });

  it('admits first-in first-out as slots free, per key and model', () => {
    const times = admissionTimes([
      task('c', 0, { seq: 3 }),
      task('a', 0, { seq: 1 }),
      task('b', 0, { seq: 2 }),
      task('other-key', 0, { keyHash: 'x' }),
      task('unlimited', 0, { concurrency: undefined }),
    ]);
    expect(Object.fromEntries(times)).toEqual({ a: 0, b: 110, c: 220, 'other-key': 0 });
  });

  it('frees a slot at a cancel, and skips a task canceled while queued', () => {
    const times = admissionTimes([
      task('a', 0, { canceledTime: 5, seq: 1 }),
      task('b', 0, { seq: 2, canceledTime: 3 }),
      task('c', 1, { seq: 3 }),
    ]);
    expect(Object.fromEntries(times)).toEqual({ a: 0, c: 5 });
  });

  it('ends a scripted CANCELED task at the end of its PENDING time', () => {
    const times = admissionTimes([task('a', 0, { outcome: { status: 'CANCELED' } }), task('b', 0)]);
    expect(times.get('b')).toBe(10);
  });
});
