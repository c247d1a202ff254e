import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultSpecs } from '../../../src/sandbox/fault-spec.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { VIDEO_CACHE } from '../../helpers/sandbox.js';
import { createTask, fakeClock, getTask, KEY, listTasks, postCreate, readPartial, t2v } from './helpers.js';

const clock = fakeClock();
let sb: Sandbox;
let taskId: string;

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 0, runningMs: 1000, videoCacheDir: VIDEO_CACHE });
  taskId = await createTask(sb, t2v('wan2.2-t2v-plus', { size: '832*480', seed: 11 }, 'a lighthouse at dusk, waves'));
  clock.advance(1000);
});
afterAll(() => sb.close());
afterEach(() => sb.setFaults({}));

const faults = (specs: string) => sb.setFaults({ rules: parseFaultSpecs(specs) });
const query = (id = taskId, signal?: AbortSignal) =>
  fetch(`${sb.baseUrl}/tasks/${id}`, { headers: { authorization: `Bearer ${KEY}` }, ...(signal ? { signal } : {}) });
const videoUrl = async () => (await getTask(sb, taskId)).body.output.video_url as string;
const fullQueryBody = async () => Buffer.from(await (await query()).arrayBuffer());

describe('reset', () => {
  it('without a byte count drops the connection before the request is read: nothing happens', async () => {
    const before = (await listTasks(sb)).body.total;
    faults('create:reset:times=1');
    await expect(postCreate(sb, t2v('wan2.5-t2v-preview'))).rejects.toThrow();
    expect(sb.requests.at(-1)).toMatchObject({ status: 0, fault: 'create:reset:times=1' });
    expect((await listTasks(sb)).body.total).toBe(before);
    expect((await postCreate(sb, t2v('wan2.5-t2v-preview'))).status).toBe(200);
  });

  it('after N bytes: full headers, N body bytes, then a connection error', async () => {
    const whole = await fullQueryBody();
    faults('query:reset=20');
    const res = await query();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(whole.length));
    const { bytes, error } = await readPartial(res);
    expect(error).toBeDefined();
    expect(bytes.length).toBe(20);
    expect(sb.requests.at(-1)!.fault).toBe('query:reset=20');
  });

  it('on a video: the bytes that arrive are the start of the file', async () => {
    const url = await videoUrl();
    const video = await sb.videoFor(taskId);
    faults('video:reset=65536');
    const { bytes, error } = await readPartial(await fetch(url));
    expect(error).toBeDefined();
    // All N bytes reach the kernel before the RST; on a loaded machine a few could still be dropped with it.
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.length).toBeLessThanOrEqual(65536);
    expect(bytes.equals(video.subarray(0, bytes.length))).toBe(true);
  });
});

describe('short', () => {
  it('ends the body cleanly after N bytes although Content-Length promised more', async () => {
    const whole = await fullQueryBody();
    faults('query:short=10');
    const res = await query();
    expect(res.headers.get('content-length')).toBe(String(whole.length));
    const { bytes, error } = await readPartial(res);
    expect(error).toBeDefined();
    expect(bytes.equals(whole.subarray(0, 10))).toBe(true);
  });

  it('damages the response, not the request: a create still creates its task', async () => {
    const before = (await listTasks(sb)).body.total;
    faults('create:short=5:times=1');
    const res = await fetch(`${sb.baseUrl}/services/aigc/video-generation/video-synthesis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
      body: JSON.stringify(t2v('wan2.5-t2v-preview')),
    });
    expect(res.status).toBe(200);
    expect((await readPartial(res)).error).toBeDefined();
    expect((await listTasks(sb)).body.total).toBe(before + 1);
  });

  it('sends a body that is not longer than N whole', async () => {
    faults('query:short=100000');
    const res = await query();
    const { bytes, error } = await readPartial(res);
    expect(error).toBeUndefined();
    expect(JSON.parse(bytes.toString()).output.task_id).toBe(taskId);
  });

  it('on a video, resumable with a Range request', async () => {
    const url = await videoUrl();
    const video = await sb.videoFor(taskId);
    faults('video:short=1000:times=1');
    const first = await readPartial(await fetch(url));
    expect(first.bytes.length).toBe(1000);
    const rest = await fetch(url, { headers: { range: 'bytes=1000-' } });
    expect(rest.status).toBe(206);
    const second = await readPartial(rest);
    expect(Buffer.concat([first.bytes, second.bytes]).equals(video)).toBe(true);
  });
});

describe('slow', () => {
  it('paces the body with real timers and delivers it intact (tiny real delay: ~150 ms)', async () => {
    const whole = await fullQueryBody();
    faults('query:slow=4000');
    const started = performance.now();
    const res = await query();
    const chunks: number[] = [];
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk.length);
    const elapsed = performance.now() - started;
    // 200-byte steps every 50 ms.
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(whole.length);
    expect(elapsed).toBeGreaterThanOrEqual(((whole.length - 200) / 4000) * 1000 - 20);
  });
});

describe('stall', () => {
  it('sends N bytes, then nothing with the socket open, until the client gives up', async () => {
    faults('query:stall=10');
    const abort = new AbortController();
    const res = await query(taskId, abort.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 10) received += (await reader.read()).value!.length;
    expect(received).toBe(10);
    // A full round trip on another connection: had the server closed or finished the stalled
    // response, the client would know by now.
    let settled = false;
    const next = reader.read().then(
      () => (settled = true),
      () => (settled = true),
    );
    expect((await listTasks(sb)).status).toBe(200);
    expect(settled).toBe(false);
    abort.abort();
    await next;
    expect(settled).toBe(true);
  });

  it('works on a video too, and closing the sandbox ends it', async () => {
    const other = await startSandbox({ clock, pendingMs: 0, runningMs: 0, videoCacheDir: VIDEO_CACHE });
    const id = await createTask(
      other,
      t2v('wan2.2-t2v-plus', { size: '832*480', seed: 11 }, 'a lighthouse at dusk, waves'),
    );
    const url = (await getTask(other, id)).body.output.video_url as string;
    other.setFaults({ rules: parseFaultSpecs('video:stall=1000') });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const pending = readPartial(res);
    await other.close();
    const { bytes, error } = await pending;
    expect(bytes.length).toBe(1000);
    expect(error).toBeDefined();
  });
});

describe('faults on the video listener', () => {
  it('answer status faults with OSS XML, or HTML', async () => {
    const url = await videoUrl();
    faults('video:status=500:times=1,video:status=503:html:retry-after=5:times=1');
    const xml = await fetch(url);
    expect(xml.status).toBe(500);
    expect(xml.headers.get('content-type')).toBe('application/xml');
    expect(xml.headers.get('x-oss-request-id')).toMatch(/^[0-9A-F]{24}$/);
    const text = await xml.text();
    expect(text).toContain('<Code>InternalError</Code>');
    expect(text).toContain('<Message>We encountered an internal error. Please try again.</Message>');
    const html = await fetch(url);
    expect(html.status).toBe(503);
    expect(html.headers.get('retry-after')).toBe('5');
    expect(await html.text()).toContain('503 Service Unavailable');
    expect((await fetch(url)).status).toBe(200);
  });

  it('records the legacy faults too', async () => {
    const url = await videoUrl();
    sb.setFaults({ cutAfterBytes: 100, wrongChecksum: true });
    await readPartial(await fetch(url));
    expect(sb.requests.at(-1)!.fault).toBe('wrongChecksum, cutAfterBytes=100');
    sb.setFaults({ htmlBody: true });
    await (await fetch(url)).text();
    expect(sb.requests.at(-1)!.fault).toBe('htmlBody');
    sb.setFaults({ expiredUrl: true });
    await getTask(sb, taskId);
    expect(sb.requests.at(-1)!.fault).toBe('expiredUrl');
  });

  it('a rule wins over the legacy cut, which then stays unused', async () => {
    const url = await videoUrl();
    sb.setFaults({ cutAfterBytes: 100, rules: parseFaultSpecs('video:short=200:times=1') });
    expect((await readPartial(await fetch(url))).bytes.length).toBe(200);
    expect((await readPartial(await fetch(url))).bytes.length).toBe(100);
  });
});
