import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/api/crc64.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { UrlSigner } from '../../../src/sandbox/signed-url.js';
import { createTask, fakeClock, getTask, KEY, readPartial, tempDir } from './helpers.js';
import { mp4Info } from './mp4-info.js';

const clock = fakeClock();
let sb: Sandbox;
let state: Awaited<ReturnType<typeof tempDir>>;
let cache: Awaited<ReturnType<typeof tempDir>>;
let taskId: string;
let video: Buffer;

const PROMPT = 'a lighthouse at dusk, waves';

/** A fresh signed URL for the task, as a client would get it by polling. */
async function videoUrl(id = taskId, on: Sandbox = sb): Promise<string> {
  const reply = await getTask(on, id);
  expect(reply.body.output.task_status).toBe('SUCCEEDED');
  return reply.body.output.video_url as string;
}

beforeAll(async () => {
  state = await tempDir('video-state');
  cache = await tempDir('video-cache');
  sb = await startSandbox({ clock, stateDir: state.path, videoCacheDir: cache.path });
  taskId = await createTask(sb, {
    model: 'wan2.2-t2v-plus',
    input: { prompt: PROMPT },
    parameters: { size: '832*480', seed: 7 },
  });
  clock.advance(8000);
});
afterAll(async () => {
  await sb.close();
  await state.remove();
  await cache.remove();
});
afterEach(() => sb.setFaults({}));

describe('download', () => {
  it('serves a real MP4, byte-identical to videoFor, with OSS headers', async () => {
    const url = await videoUrl();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    video = Buffer.from(await res.arrayBuffer());
    expect(video.equals(await sb.videoFor(taskId))).toBe(true);
    expect(video.toString('latin1', 4, 8)).toBe('ftyp');
    expect(mp4Info(video)).toMatchObject({ width: 832, height: 480, duration: 5, frames: 150 });

    const md5 = createHash('md5').update(video).digest('hex').toUpperCase();
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'video/mp4',
      'content-length': String(video.length),
      'accept-ranges': 'bytes',
      etag: `"${md5}"`,
      'x-oss-hash-crc64ecma': crc64(video),
      'x-oss-request-id': expect.stringMatching(/^[0-9A-F]{24}$/),
      date: new Date(clock.now()).toUTCString(),
      'last-modified': new Date(clock.now()).toUTCString(),
    });
    const log = sb.requests.at(-1)!;
    expect(log).toMatchObject({ listener: 'video', method: 'GET', hasAuthorization: false, status: 200 });
    expect(log.path).toBe(new URL(url).pathname);
  });

  it('caches the encoded file on disk under videoCacheDir', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(cache.path)).filter((f) => f.endsWith('.mp4'));
    expect(files).toHaveLength(1);
    expect((await readFile(join(cache.path, files[0]!))).equals(video)).toBe(true);
  });

  it('renders other parameters differently, at the model fps', async () => {
    const other = await createTask(sb, {
      model: 'wan2.5-t2v-preview',
      input: { prompt: PROMPT },
      parameters: { size: '624*624', seed: 8 },
    });
    clock.advance(8000);
    const bytes = Buffer.from(await (await fetch(await videoUrl(other))).arrayBuffer());
    expect(mp4Info(bytes)).toMatchObject({ width: 624, height: 624, duration: 5, frames: 120 });
    expect(bytes.equals(video)).toBe(false);
  });

  it('refuses videoFor for a task without a video', async () => {
    await expect(sb.videoFor('no-such-task')).rejects.toThrow();
  });
});

describe('ranges', () => {
  const get = async (headers: Record<string, string>) => {
    const res = await fetch(await videoUrl(), { headers });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it.each([
    ['bytes=100-', 100, undefined],
    ['bytes=0-99', 0, 99],
    ['bytes=1000-1999999999', 1000, undefined],
  ])('%s → 206', async (range, start, last) => {
    const { res, bytes } = await get({ range });
    const end = last ?? video.length - 1;
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${video.length}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(res.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(video));
    expect(bytes.equals(video.subarray(start, end + 1))).toBe(true);
  });

  it('serves a suffix range', async () => {
    const { res, bytes } = await get({ range: 'bytes=-10' });
    expect(res.status).toBe(206);
    expect(bytes.equals(video.subarray(video.length - 10))).toBe(true);
  });

  it('answers 416 with bytes */TOTAL past the end', async () => {
    const { res, bytes } = await get({ range: `bytes=${video.length}-` });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${video.length}`);
    expect(bytes.toString()).toContain('<Code>InvalidRange</Code>');
  });

  it.each(['bytes=9-3', 'bytes=0-1,5-9', 'items=0-5'])('ignores %s and sends the whole object', async (range) => {
    const { res, bytes } = await get({ range });
    expect(res.status).toBe(200);
    expect(bytes.equals(video)).toBe(true);
  });

  it('honours If-Range with the current ETag or Last-Modified, and sends everything otherwise', async () => {
    const head = await fetch(await videoUrl(), { headers: { range: 'bytes=0-0' } });
    const etag = head.headers.get('etag')!;
    const lastModified = head.headers.get('last-modified')!;
    expect((await get({ range: 'bytes=10-', 'if-range': etag })).res.status).toBe(206);
    expect((await get({ range: 'bytes=10-', 'if-range': lastModified })).res.status).toBe(206);
    const stale = await get({ range: 'bytes=10-', 'if-range': '"0123456789ABCDEF0123456789ABCDEF"' });
    expect(stale.res.status).toBe(200);
    expect(stale.bytes.equals(video)).toBe(true);
    expect((await get({ range: 'bytes=10-', 'if-range': 'Thu, 01 Jan 2026 00:00:00 GMT' })).res.status).toBe(200);
  });
});

describe('signed URLs', () => {
  const expectOssError = async (res: Response, status: number, code: string, message?: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/xml');
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/);
    expect(xml).toContain(`<Code>${code}</Code>`);
    if (message) expect(xml).toContain(`<Message>${message}</Message>`);
    expect(xml).toMatch(/<RequestId>[0-9A-F]{24}<\/RequestId>/);
    expect(xml).toContain('<HostId>');
    return xml;
  };

  it('refuses a tampered signature, Expires or path with 403 SignatureDoesNotMatch', async () => {
    const url = new URL(await videoUrl());
    const badSig = new URL(url);
    badSig.searchParams.set('Signature', `AAAA${url.searchParams.get('Signature')!.slice(4)}`);
    await expectOssError(await fetch(badSig), 403, 'SignatureDoesNotMatch');
    const later = new URL(url);
    later.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
    await expectOssError(await fetch(later), 403, 'SignatureDoesNotMatch');
    const otherPath = new URL(url);
    otherPath.pathname = url.pathname.replace(taskId, '00000000-0000-0000-0000-000000000000');
    await expectOssError(await fetch(otherPath), 403, 'SignatureDoesNotMatch');
  });

  it('refuses an unsigned request and an unknown access key id', async () => {
    const url = new URL(await videoUrl());
    await expectOssError(await fetch(`${url.origin}${url.pathname}`), 403, 'AccessDenied');
    const key = new URL(url);
    key.searchParams.set('OSSAccessKeyId', 'LTAIsomeoneelse');
    await expectOssError(await fetch(key), 403, 'InvalidAccessKeyId');
  });

  it('refuses any Authorization header with 400 InvalidArgument', async () => {
    const res = await fetch(await videoUrl(), { headers: { authorization: `Bearer ${KEY}` } });
    const xml = await expectOssError(res, 400, 'InvalidArgument');
    expect(xml).toMatch(/Authorization header is not allowed with a signed URL/);
    const log = sb.requests.at(-1)!;
    expect(log).toMatchObject({ listener: 'video', hasAuthorization: true, status: 400 });
    expect(log.headers.authorization).toBe('Bearer ***');
  });

  it('refuses HEAD on a URL signed for GET (the verb is signed), and answers HEAD on one signed for HEAD', async () => {
    const url = new URL(await videoUrl());
    const refused = await fetch(url, { method: 'HEAD' });
    expect(refused.status).toBe(403);

    const signer = new UrlSigner((await readFile(join(state.path, 'secret'), 'utf8')).trim());
    const expires = Number(url.searchParams.get('Expires'));
    const head = await fetch(signer.url(url.origin, url.pathname, expires, 'HEAD'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(video.length));
    expect(head.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(video));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 404 NoSuchKey for a validly signed URL to no task', async () => {
    const url = new URL(await videoUrl());
    const signer = new UrlSigner((await readFile(join(state.path, 'secret'), 'utf8')).trim());
    const path = url.pathname.replace(taskId, 'not-a-task');
    const res = await fetch(signer.url(url.origin, path, Number(url.searchParams.get('Expires'))));
    await expectOssError(res, 404, 'NoSuchKey');
  });

  it('answers other methods with 405', async () => {
    await expectOssError(await fetch(await videoUrl(), { method: 'PUT', body: 'x' }), 405, 'MethodNotAllowed');
  });

  it('lets another sandbox on the same state dir serve the task from its own video host', async () => {
    const other = await startSandbox({ clock, stateDir: state.path, videoCacheDir: cache.path });
    try {
      const url = await videoUrl(taskId, other);
      expect(url.startsWith(other.videoOrigin)).toBe(true);
      const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(bytes.equals(video)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('faults', () => {
  it('cutAfterBytes cuts the first GET after N body bytes; a resume succeeds', async () => {
    sb.setFaults({ cutAfterBytes: 1000 });
    const url = await videoUrl();
    const cut = await fetch(url);
    expect(cut.status).toBe(200);
    expect(cut.headers.get('content-length')).toBe(String(video.length));
    const first = await readPartial(cut);
    expect(first.error).toBeDefined();
    expect(first.bytes.length).toBe(1000);
    expect(first.bytes.equals(video.subarray(0, 1000))).toBe(true);

    const rest = await fetch(url, { headers: { range: 'bytes=1000-' } });
    expect(rest.status).toBe(206);
    const second = await readPartial(rest);
    expect(second.error).toBeUndefined();
    expect(Buffer.concat([first.bytes, second.bytes]).equals(video)).toBe(true);
  });

  it('cutTimes: Infinity cuts every GET', async () => {
    sb.setFaults({ cutAfterBytes: 10, cutTimes: Infinity });
    const url = await videoUrl();
    for (let i = 0; i < 3; i++) {
      const { bytes, error } = await readPartial(await fetch(url));
      expect(error).toBeDefined();
      expect(bytes.length).toBe(10);
    }
  });

  it('htmlBody answers 200 text/html instead of the video', async () => {
    sb.setFaults({ htmlBody: true });
    const res = await fetch(await videoUrl());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<html>');
  });

  it('wrongChecksum sends a CRC that does not match the bytes', async () => {
    sb.setFaults({ wrongChecksum: true });
    const res = await fetch(await videoUrl());
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(video)).toBe(true);
    expect(res.headers.get('x-oss-hash-crc64ecma')).toMatch(/^\d+$/);
    expect(res.headers.get('x-oss-hash-crc64ecma')).not.toBe(crc64(video));
  });

  it('expiredUrl issues URLs that are already expired', async () => {
    sb.setFaults({ expiredUrl: true });
    const url = new URL(await videoUrl());
    expect(Number(url.searchParams.get('Expires')) * 1000).toBeLessThan(clock.now());
    const res = await fetch(url);
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('<Message>Request has expired.</Message>');
  });
});

describe('expiry', () => {
  it('URLs stop working when the retention period ends, like the task', async () => {
    const url = await videoUrl();
    expect((await fetch(url, { headers: { range: 'bytes=0-0' } })).status).toBe(206);
    clock.advance(24 * 3600_000);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('<Message>Request has expired.</Message>');
    expect(xml).toMatch(/<Expires>.+<\/Expires>/);
    expect((await getTask(sb, taskId)).body.output.task_status).toBe('UNKNOWN');
  });
});

describe('videoBytes: padded videos for download benchmarks', () => {
  it('serves the video followed by a free box, exactly videoBytes long, with matching ETag and CRC-64, and reuses the file', async () => {
    const padCache = await tempDir('video-pad');
    const padded = await startSandbox({ clock, videoCacheDir: padCache.path, videoBytes: 3_000_000 });
    try {
      const id = await createTask(padded, {
        model: 'wan2.2-t2v-plus',
        input: { prompt: PROMPT },
        parameters: { size: '832*480', seed: 7 },
      });
      clock.advance(8000);
      const res = await fetch(await videoUrl(id, padded));
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(3_000_000);
      expect(res.headers.get('content-length')).toBe('3000000');
      expect(res.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(body));
      expect(res.headers.get('etag')).toBe(`"${createHash('md5').update(body).digest('hex').toUpperCase()}"`);
      // The real video's boxes, then one free box to the end.
      expect(mp4Info(body)).toMatchObject({ width: 832, height: 480, frames: 150 });
      const boxes: { type: string; at: number }[] = [];
      for (let at = 0; at < body.length; at += body.readUInt32BE(at))
        boxes.push({ type: body.toString('latin1', at + 4, at + 8), at });
      expect(boxes.map((b) => b.type)).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
      const last = boxes.at(-1)!;
      expect(last.type).toBe('free');
      expect(body.readUInt32BE(last.at)).toBe(3_000_000 - last.at);
      expect(body.subarray(last.at + 8).every((b) => b === 0)).toBe(true);

      // A second sandbox on the same cache finds the padded file and describes it the same way.
      const again = await startSandbox({ clock, videoCacheDir: padCache.path, videoBytes: 3_000_000 });
      try {
        const other = await createTask(again, {
          model: 'wan2.2-t2v-plus',
          input: { prompt: PROMPT },
          parameters: { size: '832*480', seed: 7 },
        });
        clock.advance(8000);
        const res2 = await fetch(await videoUrl(other, again));
        expect(Buffer.from(await res2.arrayBuffer()).equals(body)).toBe(true);
        expect(res2.headers.get('etag')).toBe(res.headers.get('etag'));
      } finally {
        await again.close();
      }
    } finally {
      await padded.close();
      await padCache.remove();
    }
  });
});
