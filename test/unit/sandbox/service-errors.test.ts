import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main.js';
import { parseFaultSpecs } from '../../../src/sandbox/fault-spec.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { testIO } from '../../helpers/test-io.js';
import { asyncHeaders, CREATE_PATH, fakeClock, getTask, listTasks, postCreate, t2v, UUID } from './helpers.js';

/** Answers the real service gives that the sandbox could not give before (dashscope-api.md §2, §5, [S24]). */

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ clock });
});
afterAll(() => sb.close());
afterEach(() => sb.setFaults({}));

const body = t2v('wan2.5-t2v-preview', { size: '832*480' });
const tasks = async () => (await listTasks(sb)).body.total as number;

describe('status faults that name a DashScope code', () => {
  // The messages as dashscope-api.md §5 documents them, written out here so the table cannot drift.
  it.each([
    ['create:status=400:code=DataInspectionFailed', 400, 'Input or output data may contain inappropriate content.'],
    ['create:status=400:code=Arrearage', 400, 'Access denied, please make sure your account is in good standing.'],
    [
      'create:status=429:code=Throttling.AllocationQuota',
      429,
      'Allocated quota exceeded, please increase your quota limit.',
    ],
    [
      'create:status=403:code=AllocationQuota.FreeTierOnly',
      403,
      'The free tier of the model has been exhausted. If you wish to continue access the model on a paid basis, please disable the "use free tier only" mode in the management console.',
    ],
    [
      'create:status=400:code=IPInfringementSuspect',
      400,
      'Input data is suspected of being involved in IP infringement.',
    ],
  ])('%s answers that code with its documented message, and creates nothing', async (spec, status, message) => {
    sb.setFaults({ rules: parseFaultSpecs(spec) });
    const before = await tasks();
    const reply = await postCreate(sb, body);
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const code = spec.split('code=')[1];
    expect(reply.body).toEqual({ code, message, request_id: expect.stringMatching(UUID) });
    expect(Object.keys(reply.body)).toEqual(['code', 'message', 'request_id']);
    expect(sb.requests.at(-1)!.fault).toBe(spec);
    expect(await tasks()).toBe(before);
  });

  it('works on the other API endpoints too, with Retry-After', async () => {
    sb.setFaults({ rules: parseFaultSpecs('query:status=429:code=Throttling:retry-after=3:times=1') });
    const reply = await getTask(sb, 'any');
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('3');
    expect(reply.body).toMatchObject({ code: 'Throttling', message: 'Requests throttling triggered.' });
    expect((await getTask(sb, 'any')).status).toBe(200);
  });

  it('are listed in `wan help sandbox`', async () => {
    const t = testIO();
    expect(await main(['help', 'sandbox'], t.io)).toBe(0);
    const text = t.out();
    expect(text).toContain(':code=<code>');
    for (const code of ['DataInspectionFailed', 'Arrearage', 'Throttling.AllocationQuota', 'IPInfringementSuspect'])
      expect(text).toContain(code);
    expect(text).toContain('AllocationQuota.FreeTierOnly');
  });
});

describe('a create on the wrong service path', () => {
  // The live text has a full-width exclamation mark (U+FF01), not "!" ([S24]).
  const urlError = {
    code: 'InvalidParameter',
    message: 'url error, please check url\uff01 For details, see: https://help.aliyun.com/zh/model-studio',
    request_id: expect.stringMatching(UUID),
  };

  it.each([
    ['a t2v model on the kf2v path', '/services/aigc/image2video/video-synthesis', body],
    ['a Singapore t2v id on the kf2v path', '/services/aigc/image2video/video-synthesis', t2v('wan2.1-t2v-turbo')],
    ['an i2v model on the kf2v path', '/services/aigc/image2video/video-synthesis', t2v('wan2.5-i2v-preview')],
    ['a kf2v model on the video-generation path', CREATE_PATH, t2v('wan2.2-kf2v-flash')],
    ['a kf2v model (Beijing id) on the video-generation path', CREATE_PATH, t2v('wanx2.1-kf2v-plus')],
    ['any other service path', '/services/aigc/text2image/image-synthesis', body],
    ['a made-up service path', '/services/nothing', body],
  ])('%s answers 400 InvalidParameter "url error" and creates nothing', async (_, path, request) => {
    const before = await tasks();
    const res = await fetch(`${sb.baseUrl}${path}`, {
      method: 'POST',
      headers: asyncHeaders(),
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(urlError);
    expect(await tasks()).toBe(before);
  });

  it('still checks the key first, and counts as the create endpoint for faults', async () => {
    const path = `${sb.baseUrl}/services/aigc/text2image/image-synthesis`;
    const anonymous = await fetch(path, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    sb.setFaults({ rules: parseFaultSpecs('create:status=503:times=1') });
    expect((await fetch(path, { method: 'POST', headers: asyncHeaders(), body: '{}' })).status).toBe(503);
  });

  it('a kf2v model on its own path makes a task; a kf2v id of another region is an unknown model', async () => {
    const path = `${sb.baseUrl}/services/aigc/image2video/video-synthesis`;
    const frames = (model: string) => ({
      model,
      input: { first_frame_url: 'http://127.0.0.1:9/first.png', last_frame_url: 'http://127.0.0.1:9/last.png' },
    });
    const post = (request: unknown) =>
      fetch(path, { method: 'POST', headers: asyncHeaders(), body: JSON.stringify(request) });
    const before = await tasks();
    const served = await post(frames('wan2.2-kf2v-flash'));
    expect(served.status).toBe(200);
    expect(await tasks()).toBe(before + 1);
    // Singapore's id of wanx2.1-kf2v-plus, sent to a Beijing sandbox.
    const foreign = await post(frames('wan2.1-kf2v-plus'));
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toMatchObject({ code: 'InvalidParameter', message: 'Model not exist.' });
  });
});

describe('a create that is not sent as JSON', () => {
  const illegal = {
    code: 'BadRequest.IllegalInput',
    message: 'The input parameter requires json format.',
    request_id: expect.stringMatching(UUID),
  };
  const withType = (type: string | undefined) => {
    const { 'content-type': _, ...headers } = asyncHeaders();
    return type === undefined ? headers : { ...headers, 'content-type': type };
  };

  it.each([
    ['no Content-Type', undefined],
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['another JSON-ish type', 'application/json-patch+json'],
    ['text/json', 'text/json'],
  ])('%s answers 400 BadRequest.IllegalInput and creates nothing', async (_, type) => {
    const before = await tasks();
    const res = await fetch(sb.baseUrl + CREATE_PATH, {
      method: 'POST',
      headers: withType(type),
      // A Blob without a type, so fetch adds no Content-Type of its own.
      body: new Blob([JSON.stringify(body)]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(illegal);
    expect(await tasks()).toBe(before);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])(
    'accepts %s',
    async (type) => {
      expect((await postCreate(sb, body, withType(type))).status).toBe(200);
    },
  );
});
