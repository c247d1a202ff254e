import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { parseBeijingCompact } from '../../../src/sandbox/time-format.js';
import { cancelTask, fakeClock, listTasks, postCreate, t2v, UUID } from './helpers.js';

const clock = fakeClock();
const OTHER = 'sk-other-account';
let sb: Sandbox;
/** Task ids with their create request ids, oldest first. */
const created: Array<{ id: string; requestId: string; submitted: number; model: string }> = [];

/** `YYYYMMDDhhmmss` in UTC+8, the list's time parameter format. */
const compact = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace(/[-T:]/g, '').slice(0, 14);

async function create(model: string, key?: string): Promise<string> {
  const reply = await postCreate(sb, t2v(model), {
    authorization: `Bearer ${key ?? 'sk-test-key'}`,
    'content-type': 'application/json',
    'x-dashscope-async': 'enable',
  });
  expect(reply.status).toBe(200);
  const id = reply.body.output.task_id as string;
  if (!key) created.push({ id, requestId: reply.body.request_id, submitted: clock.now(), model });
  return id;
}

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 1000, runningMs: 2000 });
  // Three of ours a minute apart (the last one still PENDING), one of another key's.
  await create('wan2.2-t2v-plus');
  clock.advance(60_000);
  await create('wan2.5-t2v-preview');
  await create('wan2.5-t2v-preview', OTHER);
  clock.advance(60_000);
  await create('wan2.5-t2v-preview');
});
afterAll(() => sb.close());

describe('GET /tasks', () => {
  it("lists the caller's tasks newest first, in the reference's shape", async () => {
    const reply = await listTasks(sb);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['request_id', 'total', 'total_page', 'page_no', 'page_size', 'data']);
    expect(reply.body).toMatchObject({
      request_id: expect.stringMatching(UUID),
      total: 3,
      total_page: 1,
      page_no: 1,
      page_size: 10,
    });
    const [newest, middle, oldest] = reply.body.data;
    expect(newest).toEqual({
      api_key_id: expect.stringMatching(/^\d{6}$/),
      caller_parent_id: expect.stringMatching(/^\d{16}$/),
      caller_uid: newest.caller_parent_id,
      gmt_create: created[2]!.submitted,
      start_time: created[2]!.submitted,
      model_name: 'wan2.5-t2v-preview',
      region: 'cn-beijing',
      request_id: created[2]!.requestId,
      status: 'PENDING',
      task_id: created[2]!.id,
      user_api_unique_key: 'apikey:v1:aigc:video-generation:video-synthesis:wan2.5-t2v-preview',
    });
    // Finished tasks carry end_time (epoch ms), placed after start_time.
    expect(Object.keys(oldest)).toEqual([
      'api_key_id',
      'caller_parent_id',
      'caller_uid',
      'gmt_create',
      'start_time',
      'end_time',
      'model_name',
      'region',
      'request_id',
      'status',
      'task_id',
      'user_api_unique_key',
    ]);
    expect(oldest).toMatchObject({
      task_id: created[0]!.id,
      status: 'SUCCEEDED',
      end_time: created[0]!.submitted + 3000,
      model_name: 'wan2.2-t2v-plus',
    });
    expect(middle.task_id).toBe(created[1]!.id);
    expect(newest.api_key_id).toBe(oldest.api_key_id);
  });

  it('answers on /tasks/ (docs) as on /tasks (SDKs)', async () => {
    const res = await fetch(`${sb.baseUrl}/tasks/`, { headers: { authorization: 'Bearer sk-test-key' } });
    expect((await res.json()).total).toBe(3);
  });

  it("never shows another key's tasks, and stores only a hash of the key", async () => {
    const other = await listTasks(sb, '', OTHER);
    expect(other.body.total).toBe(1);
    expect(other.body.data[0].api_key_id).not.toBe((await listTasks(sb)).body.data[0].api_key_id);
    expect((await listTasks(sb, '', 'sk-nobody')).body).toMatchObject({ total: 0, total_page: 0, data: [] });
  });

  it('filters by task_id, model_name and status', async () => {
    expect((await listTasks(sb, `task_id=${created[1]!.id}`)).body.data.map((t: any) => t.task_id)).toEqual([
      created[1]!.id,
    ]);
    expect((await listTasks(sb, 'model_name=wan2.2-t2v-plus')).body.total).toBe(1);
    expect((await listTasks(sb, 'status=PENDING')).body.data.map((t: any) => t.task_id)).toEqual([created[2]!.id]);
    expect((await listTasks(sb, 'status=SUCCEEDED')).body.total).toBe(2);
  });

  it('pages', async () => {
    const page2 = await listTasks(sb, 'page_size=2&page_no=2');
    expect(page2.body).toMatchObject({ total: 3, total_page: 2, page_no: 2, page_size: 2 });
    expect(page2.body.data.map((t: any) => t.task_id)).toEqual([created[0]!.id]);
    expect((await listTasks(sb, 'page_no=3&page_size=2')).body.data).toEqual([]);
    expect((await listTasks(sb, 'page_size=100')).status).toBe(200);
  });

  it.each([
    ['page_size=101', 'page_size'],
    ['page_size=0', 'page_size'],
    ['page_no=x', 'page_no'],
    ['status=DONE', 'status'],
    ['start_time=2026-05-01', 'start_time'],
    ['end_time=20260231000000', 'end_time'],
  ])('refuses %s with 400 InvalidParameter', async (query, name) => {
    const reply = await listTasks(sb, query);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      code: 'InvalidParameter',
      message: `Required parameter(${name}) missing or invalid, please check the request parameters.`,
      request_id: expect.stringMatching(UUID),
    });
  });

  it('takes start_time/end_time in UTC+8, at most 24 h apart', async () => {
    const first = created[0]!.submitted;
    const window = `start_time=${compact(first)}&end_time=${compact(first + 60_000)}`;
    expect((await listTasks(sb, window)).body.data.map((t: any) => t.task_id)).toEqual([
      created[1]!.id,
      created[0]!.id,
    ]);
    expect((await listTasks(sb, `start_time=${compact(first + 1000)}`)).body.total).toBe(2);
    expect((await listTasks(sb, `end_time=${compact(first)}`)).body.total).toBe(1);
    const tooWide = await listTasks(
      sb,
      `start_time=${compact(first)}&end_time=${compact(first + 24 * 3600_000 + 1000)}`,
    );
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.code).toBe('InvalidParameter');
    expect((await listTasks(sb, `start_time=${compact(first + 1000)}&end_time=${compact(first)}`)).status).toBe(400);
    expect(parseBeijingCompact('20260501080000')).toBe(Date.parse('2026-05-01T00:00:00Z'));
  });

  it('shows the last 24 h by default', async () => {
    clock.advance(24 * 3600_000 - 60_000);
    // The oldest left the window (it has also expired: tasks that read UNKNOWN are never listed).
    expect((await listTasks(sb)).body.data.map((t: any) => t.task_id)).toEqual([created[2]!.id, created[1]!.id]);
    clock.advance(-(24 * 3600_000 - 60_000));
  });

  it('shows a canceled task as CANCELED with its end_time', async () => {
    const id = await create('wan2.5-t2v-preview');
    expect((await cancelTask(sb, id)).status).toBe(200);
    const row = (await listTasks(sb, `task_id=${id}`)).body.data[0];
    expect(row).toMatchObject({ status: 'CANCELED', end_time: clock.now() });
  });
});
