import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxTaskInfo, startSandbox } from '../../../src/sandbox/index.js';
import { asyncHeaders, CREATE_PATH, fakeClock, getTask, KEY, postCreate, START, UUID } from './helpers.js';

const clock = fakeClock();
const scripted: SandboxTaskInfo[] = [];
let sb: Sandbox;
let open: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({
    clock,
    apiKey: KEY,
    script: (task) => {
      scripted.push(task);
      return undefined;
    },
  });
  open = await startSandbox({ clock });
});
afterAll(async () => {
  await sb.close();
  await open.close();
});

const body = {
  model: 'wan2.2-t2v-plus',
  input: { prompt: 'a paper boat in the rain' },
  parameters: { size: '832*480' },
};

describe('POST video-synthesis', () => {
  it('answers PENDING with a task id and a request id, dated by the injected clock', async () => {
    const reply = await postCreate(sb, body);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('date')).toBe(new Date(START).toUTCString());
    expect(Object.keys(reply.body)).toEqual(['output', 'request_id']);
    expect(Object.keys(reply.body.output)).toEqual(['task_status', 'task_id']);
    expect(reply.body.output.task_status).toBe('PENDING');
    expect(reply.body.output.task_id).toMatch(UUID);
    expect(reply.body.request_id).toMatch(UUID);
    expect(reply.body.request_id).not.toBe(reply.body.output.task_id);
  });

  it('gives every answer a fresh request_id', async () => {
    const a = await postCreate(sb, body);
    const b = await postCreate(sb, { model: 'nope', input: { prompt: 'x' } });
    expect(a.body.request_id).not.toBe(b.body.request_id);
  });

  it.each([
    ['no Authorization header', undefined, 'No API-key provided.'],
    ['an empty bearer', 'Bearer ', 'No API-key provided.'],
    ['a wrong key', 'Bearer sk-wrong', 'Invalid API-key provided.'],
  ])('refuses %s with 401 InvalidApiKey', async (_, authorization, message) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-dashscope-async': 'enable' };
    if (authorization !== undefined) headers.authorization = authorization;
    const reply = await postCreate(sb, body, headers);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ code: 'InvalidApiKey', message, request_id: expect.stringMatching(UUID) });
  });

  it('accepts any non-empty key when no apiKey is configured, but not an empty one', async () => {
    expect((await postCreate(open, body, asyncHeaders('sk-whatever'))).status).toBe(200);
    expect((await postCreate(open, body, { ...asyncHeaders(), authorization: 'Bearer' })).status).toBe(401);
  });

  it('refuses a synchronous call with 403 AccessDenied', async () => {
    const { 'x-dashscope-async': _, ...headers } = asyncHeaders();
    const reply = await postCreate(sb, body, headers);
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      code: 'AccessDenied',
      message: 'current user api does not support synchronous calls.',
    });
  });

  const prompt = 'Required parameter(prompt) missing or invalid, please check the request parameters.';
  it.each([
    [
      'a body that is not JSON',
      '{"model":',
      'InvalidParameter',
      'Required body invalid, please check the request body format.',
    ],
    ['an empty body', '', 'InvalidParameter', 'Required body invalid, please check the request body format.'],
    [
      'a missing model',
      { input: { prompt: 'x' } },
      'BadRequest.EmptyModel',
      'Required parameter "model" missing from request.',
    ],
    [
      'an empty model',
      { model: '', input: { prompt: 'x' } },
      'BadRequest.EmptyModel',
      'Required parameter "model" missing from request.',
    ],
    ['an unknown model', { model: 'wan9-t2v', input: { prompt: 'x' } }, 'InvalidParameter', 'Model not exist.'],
    [
      'a missing input',
      { model: 'wan2.2-t2v-plus' },
      'BadRequest.EmptyInput',
      'Required input parameter missing from request.',
    ],
    ['a missing prompt', { model: 'wan2.2-t2v-plus', input: {} }, 'InvalidParameter', prompt],
    ['a null prompt', { model: 'wan2.2-t2v-plus', input: { prompt: null } }, 'InvalidParameter', prompt],
    ['an empty prompt', { model: 'wan2.2-t2v-plus', input: { prompt: '' } }, 'InvalidParameter', prompt],
    [
      'a seed out of range',
      { model: 'wan2.2-t2v-plus', input: { prompt: 'x' }, parameters: { seed: 2147483648 } },
      'InvalidParameter',
      'Required parameter(seed) missing or invalid, please check the request parameters.',
    ],
    [
      'a duration that is not a number',
      { model: 'wan2.5-t2v-preview', input: { prompt: 'x' }, parameters: { duration: '5' } },
      'InvalidParameter',
      'Required parameter(duration) missing or invalid, please check the request parameters.',
    ],
  ])('refuses %s with 400', async (_, request, code, message) => {
    const reply = await postCreate(sb, request);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code, message, request_id: expect.stringMatching(UUID) });
  });

  it.each([
    ['wan2.7-t2v', { size: '1280*720' }, 'size'],
    ['wan2.5-t2v-preview', { resolution: '720P' }, 'resolution'],
    ['wan2.2-t2v-plus', { ratio: '16:9' }, 'ratio'],
  ])('refuses to mix protocols: %s with %o', async (model, parameters, name) => {
    const reply = await postCreate(sb, { model, input: { prompt: 'x' }, parameters });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('InvalidParameter');
    expect(reply.body.message).toContain(`parameter ${name} `);
  });

  it('tolerates what the official SDKs send: extend_prompt, with_audio, extra fields, any user agent', async () => {
    const reply = await postCreate(
      sb,
      {
        model: 'wan2.5-t2v-preview',
        input: { prompt: 'x', extend_prompt: true, something_new: 1 },
        parameters: { size: '832*480', with_audio: false, audio: true, future_knob: 'on', seed: null },
        extra: { nested: true },
      },
      {
        ...asyncHeaders(),
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'dashscope/1.26.2; python/3.12',
      },
    );
    expect(reply.status).toBe(200);
  });

  it("accepts the region's ids and dated snapshots (Beijing by default; region.test.ts has the others)", async () => {
    for (const model of ['wanx2.1-t2v-turbo', 'wan2.7-t2v-2026-04-25']) {
      expect((await postCreate(sb, { model, input: { prompt: 'x' } })).status, model).toBe(200);
    }
  });

  it('accepts values the model does not allow (the task fails later)', async () => {
    const reply = await postCreate(sb, {
      model: 'wan2.2-t2v-plus',
      input: { prompt: 'x' },
      parameters: { size: '1280*720', duration: 10 },
    });
    expect(reply.status).toBe(200);
  });

  it('truncates over-long prompts silently and picks a seed when none is given', async () => {
    scripted.length = 0;
    const long = '猫'.repeat(900);
    const reply = await postCreate(sb, {
      model: 'wan2.2-t2v-plus',
      input: { prompt: long, negative_prompt: 'n'.repeat(600) },
    });
    expect(reply.status).toBe(200);
    const info = scripted[0]!;
    expect(info.prompt).toBe('猫'.repeat(800));
    expect(info.negativePrompt).toHaveLength(500);
    expect(Number.isInteger(info.seed)).toBe(true);
    expect(info.seed).toBeGreaterThanOrEqual(0);
    expect(info.seed).toBeLessThanOrEqual(2147483647);
    expect(info).toMatchObject({
      model: 'wan2.2-t2v-plus',
      size: '1920*1080',
      duration: 5,
      fps: 30,
      submitTime: START,
    });
    clock.advance(60_000);
    const task = await getTask(sb, reply.body.output.task_id);
    expect(task.body.output.orig_prompt).toBe('猫'.repeat(800));
  });

  it('keeps a given seed', async () => {
    scripted.length = 0;
    await postCreate(sb, { ...body, parameters: { ...body.parameters, seed: 1234 } });
    expect(scripted[0]!.seed).toBe(1234);
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 NotFound JSON', async () => {
    // Paths under /api/v1/services/ are creates on a wrong path instead (service-errors.test.ts).
    for (const path of ['/api/v1/nothing', '/', '/api/v1/services', '/api/v1/services/', '/api/v2/services/x']) {
      const res = await fetch(new URL(path, sb.baseUrl), { method: 'POST', headers: asyncHeaders() });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({
        code: 'NotFound',
        message: 'Not found!',
        request_id: expect.stringMatching(UUID),
      });
    }
  });

  it('answers a wrong method with 405 JSON', async () => {
    const get = await fetch(sb.baseUrl + CREATE_PATH, { headers: asyncHeaders() });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ code: 'MethodNotAllowed', request_id: expect.stringMatching(UUID) });
    const del = await fetch(`${sb.baseUrl}/tasks/abc`, { method: 'DELETE', headers: asyncHeaders() });
    expect(del.status).toBe(405);
  });
});
