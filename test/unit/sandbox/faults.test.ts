import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultSpec, parseFaultSpecs } from '../../../src/sandbox/fault-spec.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { cancelTask, createTask, fakeClock, getTask, KEY, listTasks, postCreate, t2v, UUID } from './helpers.js';

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 1000, runningMs: 1000 });
});
afterAll(() => sb.close());
afterEach(() => sb.setFaults({}));

const body = t2v('wan2.2-t2v-plus', { size: '832*480' });
const policy = (model = 'wan2.5-t2v-preview') =>
  fetch(`${sb.baseUrl}/uploads?action=getPolicy&model=${model}`, { headers: { authorization: `Bearer ${KEY}` } });

describe('status faults', () => {
  it('answer instead of the endpoint with DashScope JSON and Retry-After, `times` times; the request has no effect', async () => {
    sb.setFaults({ rules: [parseFaultSpec('create:status=429:retry-after=2:times=1')] });
    const before = (await listTasks(sb)).body.total;
    const throttled = await postCreate(sb, body);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(throttled.headers.get('content-type')).toMatch(/^application\/json/);
    expect(throttled.body).toEqual({
      code: 'Throttling.RateQuota',
      message: 'Requests rate limit exceeded, please try again later.',
      request_id: expect.stringMatching(UUID),
    });
    expect((await listTasks(sb)).body.total).toBe(before);
    expect((await postCreate(sb, body)).status).toBe(200);
  });

  it.each([
    [500, 'InternalError', 'An internal error has occured, please try again later or contact service support.'],
    [
      503,
      'ModelServingError',
      'Too many requests. Your requests are being throttled due to system capacity limits. Please try again later.',
    ],
    [504, 'RequestTimeOut', 'Request timed out, please try again later.'],
    [502, 'InternalError', 'An internal error has occured, please try again later or contact service support.'],
  ])('%i has the reference code and message', async (status, code, message) => {
    sb.setFaults({ rules: [{ endpoint: 'query', kind: 'status', status }] });
    const reply = await getTask(sb, 'any');
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ code, message });
    expect(reply.headers.get('retry-after')).toBeNull();
  });

  it('sends a gateway HTML page with `html`', async () => {
    sb.setFaults({ rules: parseFaultSpecs('query:status=503:html') });
    const res = await fetch(`${sb.baseUrl}/tasks/x`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/html');
    const html = await res.text();
    expect(html).toContain('<title>503 Service Unavailable</title>');
    expect(html).toContain('<center>Tengine</center>');
  });

  it('counts `after` and `times` per rule, in arrival order', async () => {
    sb.setFaults({ rules: parseFaultSpecs('query:status=500:after=2:times=3') });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await getTask(sb, 'any')).status);
    expect(statuses).toEqual([200, 200, 500, 500, 500, 200]);
  });

  it('hits every endpoint it names, and only those', async () => {
    sb.setFaults({ rules: parseFaultSpecs('list:status=500,cancel:status=502,upload-policy:status=429') });
    expect((await listTasks(sb)).status).toBe(500);
    expect((await cancelTask(sb, 'x')).status).toBe(502);
    expect((await policy()).status).toBe(429);
    expect((await getTask(sb, 'x')).status).toBe(200);
    expect((await postCreate(sb, body)).status).toBe(200);
    // Before authentication, as a gateway would answer.
    const anonymous = await fetch(`${sb.baseUrl}/tasks`);
    expect(anonymous.status).toBe(500);
  });

  it('is recorded on the request log entry, in spec form', async () => {
    sb.setFaults({ rules: parseFaultSpecs('create:status=429:retry-after=2:times=1') });
    await postCreate(sb, body);
    await postCreate(sb, body);
    const [hit, clean] = sb.requests.slice(-2);
    expect(hit).toMatchObject({ status: 429, fault: 'create:status=429:retry-after=2:times=1' });
    expect(clean!.fault).toBeUndefined();
  });

  it('setFaults restarts the counts', async () => {
    const rules = parseFaultSpecs('query:status=500:times=1');
    sb.setFaults({ rules });
    expect((await getTask(sb, 'x')).status).toBe(500);
    expect((await getTask(sb, 'x')).status).toBe(200);
    sb.setFaults({ rules });
    expect((await getTask(sb, 'x')).status).toBe(500);
  });

  it('refuses an invalid rule at setFaults and at start', async () => {
    expect(() => sb.setFaults({ rules: [{ endpoint: 'video', kind: 'slow', bytesPerSecond: 0 }] })).toThrow(/slow=0/);
    await expect(
      startSandbox({ clock, faults: { rules: [{ endpoint: 'query', kind: 'status', status: 99 }] } }),
    ).rejects.toThrow(/status=99/);
  });
});

describe('task-outcome faults', () => {
  it('unknownTasks: every task reads UNKNOWN, cancel refuses, the list is empty', async () => {
    const id = await createTask(sb, body);
    sb.setFaults({ unknownTasks: true });
    expect((await getTask(sb, id)).body.output).toEqual({ task_id: id, task_status: 'UNKNOWN' });
    expect((await cancelTask(sb, id)).body.code).toBe('UnsupportedOperation');
    expect((await listTasks(sb)).body).toMatchObject({ total: 0, data: [] });
    expect(sb.requests.at(-1)!.fault).toBe('unknownTasks');
    sb.setFaults({});
    expect((await getTask(sb, id)).body.output.task_status).toBe('PENDING');
  });

  it('failTask is recorded on the create it decided', async () => {
    sb.setFaults({ failTask: { code: 'InternalError', message: 'boom' } });
    await createTask(sb, body);
    expect(sb.requests.at(-1)!.fault).toBe('failTask');
  });
});

describe('clockOffsetMs', () => {
  it('moves Date headers, task times and expiry checks, not the injected clock', async () => {
    sb.setFaults({ clockOffsetMs: -90_000 });
    const reply = await postCreate(sb, body);
    expect(reply.headers.get('date')).toBe(new Date(clock.now() - 90_000).toUTCString());
    const id = reply.body.output.task_id as string;
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 23);
    expect((await getTask(sb, id)).body.output.submit_time).toBe(beijing(clock.now() - 90_000));
    expect(sb.requests.at(-1)!.time).toBe(clock.now() - 90_000);

    // The task ends 2 s after it started on the sandbox's clock; URLs expire 24 h later on that clock.
    sb.setFaults({ clockOffsetMs: -88_000 });
    const done = await getTask(sb, id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const url = done.body.output.video_url as string;
    sb.setFaults({ clockOffsetMs: 24 * 3600_000 });
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Message>Request has expired.</Message>');
    expect((await getTask(sb, id)).body.output.task_status).toBe('UNKNOWN');
  });
});
