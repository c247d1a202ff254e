import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { BEIJING_TIME, createTask, fakeClock, getTask, KEY, START, tempDir, UUID } from './helpers.js';

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({
    clock,
    pendingMs: 1000,
    runningMs: 4000,
    script: (task) => {
      if (task.prompt === 'script: fail')
        return { fail: { code: 'DataInspectionFailed', message: 'Output data may contain inappropriate content.' } };
      if (task.prompt === 'script: cancel') return { status: 'CANCELED' };
      if (task.prompt === 'script: lost') return { status: 'UNKNOWN', pendingMs: 0, runningMs: 100 };
      if (task.prompt === 'script: slow') return { pendingMs: 10_000, runningMs: 20_000 };
      return undefined;
    },
  });
});
afterAll(() => sb.close());
afterEach(() => sb.setFaults({}));

const t2v = (model: string, parameters: Record<string, unknown> = {}, prompt = 'a red kite over the sea') => ({
  model,
  input: { prompt },
  parameters,
});

describe('task life cycle', () => {
  it('goes PENDING → RUNNING → SUCCEEDED as the clock moves', async () => {
    const submitted = clock.now();
    const id = await createTask(sb, t2v('wan2.2-t2v-plus', { size: '832*480' }));

    const pending = await getTask(sb, id);
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({
      request_id: expect.stringMatching(UUID),
      output: { task_id: id, task_status: 'PENDING', submit_time: expect.stringMatching(BEIJING_TIME) },
    });

    clock.advance(999);
    expect((await getTask(sb, id)).body.output.task_status).toBe('PENDING');
    clock.advance(1);
    const running = await getTask(sb, id);
    expect(running.body.output).toEqual({
      task_id: id,
      task_status: 'RUNNING',
      submit_time: expect.any(String),
      scheduled_time: expect.any(String),
    });
    expect(running.body.usage).toBeUndefined();

    clock.advance(4000);
    const done = await getTask(sb, id);
    const out = done.body.output;
    expect(out.task_status).toBe('SUCCEEDED');
    expect(Object.keys(out)).toEqual([
      'task_id',
      'task_status',
      'submit_time',
      'scheduled_time',
      'end_time',
      'video_url',
      'orig_prompt',
      'actual_prompt',
    ]);
    // UTC+8 like Beijing.
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 23);
    expect(out.submit_time).toBe(beijing(submitted));
    expect(out.scheduled_time).toBe(beijing(submitted + 1000));
    expect(out.end_time).toBe(beijing(submitted + 5000));
    expect(out.orig_prompt).toBe('a red kite over the sea');
    expect(out.actual_prompt).toContain('a red kite over the sea');
    expect(out.actual_prompt).not.toBe(out.orig_prompt);

    const url = new URL(out.video_url);
    expect(url.origin).toBe(sb.videoOrigin);
    expect(url.pathname).toMatch(new RegExp(`^/[\\w-]+/\\d{8}/${id}\\.mp4$`));
    expect(Number(url.searchParams.get('Expires'))).toBe(Math.floor((submitted + 5000 + 24 * 3600_000) / 1000));
    expect(url.searchParams.get('OSSAccessKeyId')).toMatch(/^LTAI/);
    expect(url.searchParams.get('Signature')).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(done.body.usage).toEqual({ video_duration: 5, video_ratio: '832*480', video_count: 1 });
  });

  it('gives the same actual_prompt for the same prompt', async () => {
    const a = await createTask(sb, t2v('wan2.5-t2v-preview'));
    const b = await createTask(sb, t2v('wan2.5-t2v-preview'));
    clock.advance(5000);
    const [ra, rb] = [await getTask(sb, a), await getTask(sb, b)];
    expect(ra.body.output.actual_prompt).toBe(rb.body.output.actual_prompt);
  });

  it('needs a key to query but no async header', async () => {
    const reply = await getTask(sb, 'whatever', null);
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'InvalidApiKey', message: 'No API-key provided.' });
  });

  it('answers UNKNOWN for an id it never issued', async () => {
    const reply = await getTask(sb, 'no-such-task');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      request_id: expect.stringMatching(UUID),
      output: { task_id: 'no-such-task', task_status: 'UNKNOWN' },
    });
  });

  it('answers UNKNOWN once the retention period after end_time has passed', async () => {
    const id = await createTask(sb, t2v('wan2.2-t2v-plus', { size: '832*480' }));
    clock.advance(5000 + 24 * 3600_000 - 1);
    expect((await getTask(sb, id)).body.output.task_status).toBe('SUCCEEDED');
    clock.advance(1);
    expect((await getTask(sb, id)).body.output).toEqual({ task_id: id, task_status: 'UNKNOWN' });
  });
});

describe('failures', () => {
  const failed = (code: string, message: string) => ({
    task_id: expect.any(String),
    task_status: 'FAILED',
    submit_time: expect.any(String),
    scheduled_time: expect.any(String),
    end_time: expect.any(String),
    code,
    message,
  });

  it('fails every new task with the failTask fault, with no usage or video', async () => {
    sb.setFaults({ failTask: { code: 'InternalError.Algo', message: 'inference internal error.' } });
    const id = await createTask(sb, t2v('wan2.5-t2v-preview'));
    sb.setFaults({});
    const before = await createTask(sb, t2v('wan2.5-t2v-preview'));
    clock.advance(4999);
    expect((await getTask(sb, id)).body.output.task_status).toBe('RUNNING');
    clock.advance(1);
    const reply = await getTask(sb, id);
    expect(reply.body.output).toEqual(failed('InternalError.Algo', 'inference internal error.'));
    expect(reply.body.usage).toBeUndefined();
    expect((await getTask(sb, before)).body.output.task_status).toBe('SUCCEEDED');
  });

  it('fails a task as its script says', async () => {
    const id = await createTask(sb, t2v('wan2.5-t2v-preview', {}, 'script: fail'));
    clock.advance(5000);
    expect((await getTask(sb, id)).body.output).toEqual(
      failed('DataInspectionFailed', 'Output data may contain inappropriate content.'),
    );
  });

  it('ends CANCELED or UNKNOWN as the script says, with its own timings', async () => {
    const canceled = await createTask(sb, t2v('wan2.5-t2v-preview', {}, 'script: cancel'));
    const lost = await createTask(sb, t2v('wan2.5-t2v-preview', {}, 'script: lost'));
    const slow = await createTask(sb, t2v('wan2.5-t2v-preview', {}, 'script: slow'));
    expect((await getTask(sb, lost)).body.output.task_status).toBe('RUNNING');
    clock.advance(1000);
    expect((await getTask(sb, canceled)).body.output).toEqual({
      task_id: canceled,
      task_status: 'CANCELED',
      submit_time: expect.any(String),
      end_time: expect.any(String),
    });
    expect((await getTask(sb, lost)).body.output).toEqual({ task_id: lost, task_status: 'UNKNOWN' });
    clock.advance(9000);
    expect((await getTask(sb, slow)).body.output.task_status).toBe('RUNNING');
    clock.advance(20_000);
    expect((await getTask(sb, slow)).body.output.task_status).toBe('SUCCEEDED');
  });

  it.each([
    ['wan2.2-t2v-plus', { size: '1280*720' }, 'size is not supported'],
    ['wan2.2-t2v-plus', { size: '832x480' }, 'size is not supported'],
    ['wan2.5-t2v-preview', { duration: 7 }, 'duration is not supported'],
    ['wan2.7-t2v', { resolution: '480P' }, 'resolution is not supported'],
    ['wan2.7-t2v', { ratio: '2:1' }, 'ratio is not supported'],
  ])('accepts %s with %o, then fails the task with InvalidParameter', async (model, parameters, message) => {
    const id = await createTask(sb, t2v(model, parameters));
    clock.advance(5000);
    expect((await getTask(sb, id)).body.output).toEqual(failed('InvalidParameter', message));
  });
});

describe('usage and prompts per model generation', () => {
  it.each([
    [
      'wan2.5-t2v-preview',
      { size: '832*480', duration: 10 },
      { video_duration: 10, video_ratio: '832*480', video_count: 1 },
      true,
    ],
    ['wan2.5-t2v-preview', {}, { video_duration: 5, video_ratio: '1920*1080', video_count: 1 }, true],
    ['wanx2.1-t2v-turbo', {}, { video_duration: 5, video_ratio: '1280*720', video_count: 1 }, true],
    [
      'wan2.2-t2v-plus',
      { prompt_extend: false },
      { video_duration: 5, video_ratio: '1920*1080', video_count: 1 },
      false,
    ],
    [
      'wan2.6-t2v',
      { size: '1280*720', duration: 12 },
      { duration: 12, size: '1280*720', input_video_duration: 0, output_video_duration: 12, video_count: 1, SR: 720 },
      false,
    ],
    [
      'wan2.7-t2v',
      {},
      { duration: 5, input_video_duration: 0, output_video_duration: 5, video_count: 1, ratio: '16:9', SR: 1080 },
      true,
    ],
    [
      'wan2.7-t2v',
      { resolution: '720P', ratio: '9:16', duration: 2 },
      { duration: 2, input_video_duration: 0, output_video_duration: 2, video_count: 1, ratio: '9:16', SR: 720 },
      true,
    ],
  ])('%s %o', async (model, parameters, usage, hasActualPrompt) => {
    const id = await createTask(sb, t2v(model, parameters));
    clock.advance(5000);
    const reply = await getTask(sb, id);
    expect(reply.body.output.task_status).toBe('SUCCEEDED');
    expect(reply.body.usage).toEqual(usage);
    expect('actual_prompt' in reply.body.output).toBe(hasActualPrompt);
  });
});

describe('cancel', () => {
  const cancel = (id: string) =>
    fetch(`${sb.baseUrl}/tasks/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });

  it('cancels a PENDING task, and refuses once it runs', async () => {
    const id = await createTask(sb, t2v('wan2.5-t2v-preview'));
    const ok = await cancel(id);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ request_id: expect.stringMatching(UUID) });
    expect((await getTask(sb, id)).body.output.task_status).toBe('CANCELED');

    const running = await createTask(sb, t2v('wan2.5-t2v-preview'));
    clock.advance(1000);
    const refused = await cancel(running);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: 'UnsupportedOperation',
      message: 'Failed to cancel the task, please confirm if the task is in PENDING status.',
    });
  });
});

describe('state dir', () => {
  it('lets two sandboxes (two processes) share tasks', async () => {
    const dir = await tempDir('state');
    const a = await startSandbox({ clock, stateDir: dir.path, pendingMs: 1000, runningMs: 1000 });
    const b = await startSandbox({ clock, stateDir: dir.path });
    try {
      const id = await createTask(a, t2v('wan2.2-t2v-plus', { size: '832*480', seed: 5 }));
      const fromB = await getTask(b, id);
      expect(fromB.body.output).toMatchObject({ task_id: id, task_status: 'PENDING' });
      // The task keeps the timings it was created with, whatever the reader's defaults.
      clock.advance(2000);
      const done = await getTask(b, id);
      expect(done.body.output.task_status).toBe('SUCCEEDED');
      expect(new URL(done.body.output.video_url).origin).toBe(b.videoOrigin);
      // Both keep their own tasks when they write concurrently.
      const [x, y] = await Promise.all([
        createTask(a, t2v('wan2.5-t2v-preview')),
        createTask(b, t2v('wan2.5-t2v-preview')),
      ]);
      const c = await startSandbox({ clock, stateDir: dir.path });
      try {
        expect((await getTask(c, x)).body.output.task_status).toBe('PENDING');
        expect((await getTask(c, y)).body.output.task_status).toBe('PENDING');
        // A cancel in one process shows in the others.
        const canceled = await fetch(`${c.baseUrl}/tasks/${x}/cancel`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}` },
        });
        expect(canceled.status).toBe(200);
        expect((await getTask(a, x)).body.output.task_status).toBe('CANCELED');
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
      await dir.remove();
    }
  });
});

describe('request log', () => {
  it('records every API request in order with the key redacted', async () => {
    const from = sb.requests.length;
    const id = await createTask(sb, t2v('wan2.5-t2v-preview'));
    await getTask(sb, `${id}`);
    await fetch(`${sb.baseUrl}/nowhere?x=1`);
    const [create, query, missing] = sb.requests.slice(from);
    expect(create).toMatchObject({
      listener: 'api',
      method: 'POST',
      path: '/api/v1/services/aigc/video-generation/video-synthesis',
      query: '',
      hasAuthorization: true,
      status: 200,
      time: clock.now(),
    });
    expect(create!.headers.authorization).toBe('Bearer ***');
    expect(create!.headers['x-dashscope-async']).toBe('enable');
    expect(JSON.stringify(sb.requests)).not.toContain(KEY);
    expect(query).toMatchObject({ method: 'GET', path: `/api/v1/tasks/${id}`, status: 200 });
    expect(missing).toMatchObject({ path: '/api/v1/nowhere', query: 'x=1', status: 404, hasAuthorization: false });
  });
});

it('starts at the clock it was given', () => {
  expect(clock.now()).toBeGreaterThan(START);
});
