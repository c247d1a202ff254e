import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/api/crc64.js';
import { type DownloadOptions, type DownloadProgress, downloadVideo } from '../../../src/api/download/index.js';
import { AbortedError, ConnectionError, DownloadError, TimeoutError } from '../../../src/api/errors/index.js';
import { fakeClock, makeVideo, startVideoServer, VIDEO_PATH, type VideoServer } from './video-server.js';

let server: VideoServer;
let dir: string;
let clock: ReturnType<typeof fakeClock>;
let to: string;

const inAnHour = () => Math.floor(clock.now() / 1000) + 3600;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeEach(async () => {
  server = await startVideoServer();
  dir = await mkdtemp(join(tmpdir(), 'wan-download-'));
  clock = fakeClock();
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function download(extra: Partial<DownloadOptions> = {}, url = server.url(inAnHour())) {
  return downloadVideo(url, { to, clock, random: () => 0.5, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the download to fail');
}

/** `to` holds exactly `video` (Buffer.equals: vitest's deep equality is far too slow for megabytes). */
async function expectSaved(video: Buffer): Promise<void> {
  const saved = await readFile(to);
  expect(saved.length).toBe(video.length);
  expect(saved.equals(video)).toBe(true);
}

/** Nothing at `to` and no leftovers. */
function expectNothingSaved(): void {
  expect(existsSync(to)).toBe(false);
  expect(existsSync(`${to}.part`)).toBe(false);
  expect(existsSync(`${to}.part.json`)).toBe(false);
}

/** Error messages carry the host and path, never the signed query. */
function expectNoSecrets(err: Error): void {
  expect(err.message).not.toMatch(/Signature|OSSAccessKeyId|s3cr3t|LTAI5t/);
}

describe('downloadVideo: the happy path', () => {
  it('saves the exact bytes with their SHA-256 and CRC-64, and leaves no .part behind', async () => {
    const progress: DownloadProgress[] = [];
    const result = await download({ onProgress: (p) => progress.push(p) });

    await expectSaved(server.video);
    expect(result).toEqual({
      file: to,
      bytes: server.video.length,
      sha256: sha256(server.video),
      crc64: crc64(server.video),
      verifiedBy: ['length', 'crc64'],
      resumedFrom: 0,
      attempts: 1,
      etag: server.etag,
      contentType: 'video/mp4',
    });
    expect(existsSync(`${to}.part`)).toBe(false);
    expect(existsSync(`${to}.part.json`)).toBe(false);
    expect(progress.at(-1)).toEqual({
      transferredBytes: server.video.length,
      totalBytes: server.video.length,
      resumedFrom: 0,
    });
    expect(progress.map((p) => p.transferredBytes)).toEqual(
      [...progress.map((p) => p.transferredBytes)].sort((a, b) => a - b),
    );
  });

  it('sends no Authorization and no Cookie, asks for identity encoding, and follows the signed path', async () => {
    await download();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.headers.cookie).toBeUndefined();
    expect(request!.headers['user-agent']).toMatch(/^wan-cli/);
    expect(request!.headers['accept-encoding']).toBe('identity');
    expect(request!.headers.range).toBeUndefined();
    expect(request!.url.startsWith(`${VIDEO_PATH}?Expires=`)).toBe(true);
  });

  it('overwrites an existing file with force', async () => {
    await writeFile(to, 'old video');
    const result = await download({ force: true });
    expect(result.bytes).toBe(server.video.length);
    await expectSaved(server.video);
  });

  it('accepts a server without x-oss-hash-crc64ecma (length and MP4 header still checked)', async () => {
    server.crcHeader = undefined;
    const result = await download();
    expect(result.crc64).toBe(crc64(server.video));
    expect(result.verifiedBy).toEqual(['length']);
    await expectSaved(server.video);
  });
});

describe('downloadVideo: checks made before any request', () => {
  it('refuses an expired URL, saying when and why, without a request', async () => {
    const expires = Math.floor(clock.now() / 1000) - 2 * 3600 - 5 * 60;
    const err = await failure(download({}, server.url(expires)));
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).kind).toBe('expired');
    expect(err.message).toContain(new Date(expires * 1000).toISOString());
    expect(err.message).toContain('2 h 5 min ago');
    expect(err.message).toContain('24 hours');
    expectNoSecrets(err);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses to overwrite an existing file without force, leaving it untouched', async () => {
    await writeFile(to, 'precious');
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('exists');
    expect(await readFile(to, 'utf8')).toBe('precious');
    expect(server.requests).toHaveLength(0);
  });

  it('reports a missing parent directory as a disk error', async () => {
    const err = await failure(download({ to: join(dir, 'no-such-dir', 'video.mp4') }));
    expect((err as DownloadError).kind).toBe('disk');
    expect(err.message).toContain('does not exist');
    expect(server.requests).toHaveLength(0);
  });

  it.each(['ftp://example.com/video.mp4', 'file:///etc/passwd', 'not a url'])(
    'refuses %s without a request',
    async (url) => {
      const err = await failure(downloadVideo(url, { to, clock }));
      expect((err as DownloadError).kind).toBe('http');
      expect(server.requests).toHaveLength(0);
    },
  );

  it('does nothing when the signal is already aborted', async () => {
    const err = await failure(download({ signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(AbortedError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('downloadVideo: resuming', () => {
  it('resumes a body cut mid-way with Range and If-Range, fetching only the missing bytes', async () => {
    server.plan({ kind: 'cut', after: 1_000_000 });
    const retries: unknown[] = [];
    const result = await download({ onRetry: (info) => retries.push(info) });

    await expectSaved(server.video);
    expect(result.sha256).toBe(sha256(server.video));
    expect(result.attempts).toBe(2);
    expect(result.resumedFrom).toBe(0);
    const [, second] = server.requests;
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second!.headers.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
    expect(second!.headers['if-range']).toBe(server.etag);
    expect(second!.status).toBe(206);
    expect(second!.bodyBytes).toBe(server.video.length - resumedAt);
    expect(retries).toEqual([{ attempt: 2, delayMs: 250, reason: 'connection closed before the body ended' }]);
    expect(clock.sleeps).toEqual([250]);
  });

  it('resumes a .part left by an earlier process, hashing its prefix from disk', async () => {
    const kept = 1_234_567;
    await writeFile(`${to}.part`, server.video.subarray(0, kept));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const progress: DownloadProgress[] = [];
    const result = await download({ onProgress: (p) => progress.push(p) });

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.range).toBe(`bytes=${kept}-`);
    expect(server.requests[0]!.headers['if-range']).toBe(server.etag);
    expect(server.requests[0]!.bodyBytes).toBe(server.video.length - kept);
    expect(result.resumedFrom).toBe(kept);
    expect(result.sha256).toBe(sha256(server.video));
    expect(result.crc64).toBe(crc64(server.video));
    await expectSaved(server.video);
    expect(progress[0]).toEqual({ transferredBytes: kept, totalBytes: server.video.length, resumedFrom: kept });
    expect(existsSync(`${to}.part.json`)).toBe(false);
  });

  it('resumes a .part without its meta file (no If-Range), still verifying the whole file', async () => {
    await writeFile(`${to}.part`, server.video.subarray(0, 500_000));
    const result = await download();
    expect(server.requests[0]!.headers.range).toBe('bytes=500000-');
    expect(server.requests[0]!.headers['if-range']).toBeUndefined();
    expect(result.resumedFrom).toBe(500_000);
    await expectSaved(server.video);
  });

  it('starts over when the object changed (If-Range no longer matches, the server answers 200)', async () => {
    await writeFile(`${to}.part`, server.video.subarray(0, 1_000_000));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const fresh = makeVideo(2 * 1024 * 1024);
    server.replaceVideo(fresh, '"NEW-ETAG"');

    const result = await download();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.status).toBe(200);
    expect(result.resumedFrom).toBe(0);
    expect(result.etag).toBe('"NEW-ETAG"');
    await expectSaved(fresh);
    expect(result.crc64).toBe(crc64(fresh));
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    await writeFile(`${to}.part`, server.video.subarray(0, 1_000_000));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    server.plan({ kind: 'ignore-range' });
    const result = await download();
    expect(server.requests).toHaveLength(1);
    expect(result.resumedFrom).toBe(0);
    await expectSaved(server.video);
  });

  it('starts over when a 206 does not start where it was asked to', async () => {
    await writeFile(`${to}.part`, server.video.subarray(0, 1_000_000));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    server.plan({ kind: 'bad-range' });
    const result = await download();
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([
      [206, 'bytes=1000000-'],
      [200, undefined],
    ]);
    expect(result.resumedFrom).toBe(0);
    await expectSaved(server.video);
  });

  it('starts over when a 206 carries another ETag (a weak ETag cannot be sent as If-Range)', async () => {
    await writeFile(`${to}.part`, server.video.subarray(0, 1_000_000));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: 'W/"old"', total: server.video.length }));
    server.plan({ kind: 'other-etag' });
    const result = await download();
    expect(server.requests[0]!.headers['if-range']).toBeUndefined();
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([
      [206, 'bytes=1000000-'],
      [200, undefined],
    ]);
    expect(result.resumedFrom).toBe(0);
    await expectSaved(server.video);
  });

  it('verifies a complete .part as is when the server answers 416', async () => {
    await writeFile(`${to}.part`, server.video);
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const result = await download();
    expect(server.requests.map((r) => r.status)).toEqual([416]);
    expect(server.requests[0]!.headers.range).toBe(`bytes=${server.video.length}-`);
    expect(result).toMatchObject({
      bytes: server.video.length,
      resumedFrom: server.video.length,
      attempts: 1,
      sha256: sha256(server.video),
    });
    await expectSaved(server.video);
  });

  it('starts over on 416 when the ETag says the object changed', async () => {
    const old = server.video;
    await writeFile(`${to}.part`, old);
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: 'W/"old"', total: old.length }));
    const fresh = makeVideo(old.length);
    server.replaceVideo(fresh, '"NEW-ETAG"');
    const result = await download();
    expect(server.requests.map((r) => r.status)).toEqual([416, 200]);
    expect(result.resumedFrom).toBe(0);
    await expectSaved(fresh);
  });

  it('starts over on 416 when the .part is not the whole object', async () => {
    const old = makeVideo(server.video.length + 1000);
    await writeFile(`${to}.part`, old.subarray(0, server.video.length + 500));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: old.length }));
    const result = await download();
    expect(server.requests.map((r) => r.status)).toEqual([416, 200]);
    expect(result.resumedFrom).toBe(0);
    await expectSaved(server.video);
  });

  it('continues at once after a valid 206 that covers only part of the rest', async () => {
    server.plan({ kind: 'cut', after: 100_000 }, { kind: 'short-range', bytes: 200_000 });
    const result = await download();
    expect(server.requests.map((r) => r.status)).toEqual([200, 206, 206]);
    expect(clock.sleeps).toHaveLength(1); // only the cut waited
    expect(result.attempts).toBe(3);
    await expectSaved(server.video);
  });

  it('discards a .part that does not start like an MP4 and downloads from 0', async () => {
    await writeFile(`${to}.part`, '<html>not a video</html>');
    const result = await download();
    expect(server.requests[0]!.headers.range).toBeUndefined();
    expect(result.resumedFrom).toBe(0);
    await expectSaved(server.video);
  });
});

describe('downloadVideo: verification', () => {
  it('rejects a wrong CRC-64, deleting the .part and saving nothing', async () => {
    server.crcHeader = '1234567890';
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('integrity');
    expect(err.message).toContain('expected 1234567890');
    expect(err.message).toContain(crc64(server.video));
    expectNothingSaved();
  });

  it('rejects a resumed file whose prefix does not match the CRC-64', async () => {
    const tampered = Buffer.from(server.video.subarray(0, 700_000));
    tampered[500_000] ^= 0xff;
    await writeFile(`${to}.part`, tampered);
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('integrity');
    expectNothingSaved();
  });

  it('rejects an HTML page served with 200 before saving it, naming its Content-Type', async () => {
    server.plan({ kind: 'html' });
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('not-video');
    expect(err.message).toContain('text/html');
    expect(err.message).toContain('<!DOCTYPE');
    expectNothingSaved();
  });

  it('holds back a first chunk too short to sniff, then saves everything', async () => {
    server.plan({ kind: 'trickle', first: 3 });
    await download();
    await expectSaved(server.video);
  });

  it('rejects a body shorter than an MP4 header', async () => {
    server.plan({ kind: 'status', status: 200, body: 'oops', headers: { 'content-type': 'text/plain' } });
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('not-video');
    expect(err.message).toContain('"oops"');
    expectNothingSaved();
  });

  it('retries a body shorter than its Content-Length and completes it', async () => {
    server.plan({ kind: 'cut', after: 500_000 }, { kind: 'cut', after: 500_000 });
    const result = await download();
    expect(result.attempts).toBe(3);
    await expectSaved(server.video);
  });
});

describe('downloadVideo: HTTP errors and retries', () => {
  const expiredXml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>AccessDenied</Code>\n  <Message>Request has expired.</Message>\n  <RequestId>6555F3A2B8D1E83431A3C1E9</RequestId>\n  <HostId>dashscope-result-bj.oss-cn-beijing.aliyuncs.com</HostId>\n  <Expires>2025-06-01T11:00:00.000Z</Expires>\n  <ServerTime>2025-06-01T12:00:00.000Z</ServerTime>\n</Error>';

  it('turns 403 "Request has expired." into an expired error', async () => {
    server.plan({ kind: 'status', status: 403, body: expiredXml });
    const err = await failure(download({}, server.url()));
    expect((err as DownloadError).kind).toBe('expired');
    expect(err.message).toContain('24 hours');
    expectNoSecrets(err);
    expect(server.requests).toHaveLength(1);
  });

  it('blames the clock when OSS says expired but Expires is still ahead', async () => {
    server.plan({ kind: 'status', status: 403, body: expiredXml });
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('expired');
    expect(err.message).toContain('clock');
  });

  it('reports 404 with the OSS code and message and the URL without its query', async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>ABC123</RequestId></Error>';
    server.plan({ kind: 'status', status: 404, body });
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('http');
    expect(err.message).toContain('404');
    expect(err.message).toContain('NoSuchKey: The specified key does not exist.');
    expect(err.message).toContain(`${server.origin}${VIDEO_PATH}`);
    expectNoSecrets(err);
    expect(server.requests).toHaveLength(1);
    expectNothingSaved();
  });

  it('reports a redirect instead of following it', async () => {
    server.plan({
      kind: 'status',
      status: 302,
      headers: { location: 'https://elsewhere.example/x.mp4?Signature=zzz' },
    });
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('http');
    expect(err.message).toContain('302');
    expect(err.message).toContain('https://elsewhere.example/x.mp4');
    expect(err.message).not.toContain('zzz');
    expect(server.requests).toHaveLength(1);
  });

  it('retries 503 twice with backoff, then succeeds', async () => {
    server.plan({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const retries: Array<{ attempt: number; delayMs: number; reason: string }> = [];
    const result = await download({ onRetry: (info) => retries.push(info) });
    expect(result.attempts).toBe(3);
    expect(clock.sleeps).toEqual([250, 500]);
    expect(retries).toEqual([
      { attempt: 2, delayMs: 250, reason: '503 Service Unavailable' },
      { attempt: 3, delayMs: 500, reason: '503 Service Unavailable' },
    ]);
    await expectSaved(server.video);
  });

  it('honours Retry-After on 429', async () => {
    server.plan({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    await download();
    expect(clock.sleeps).toEqual([3000]);
  });

  it('gives up with ConnectionError when the connection keeps failing', async () => {
    server.plan(...Array.from({ length: 10 }, () => ({ kind: 'reset' as const })));
    const err = await failure(
      download({ retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 1000 } }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    const conn = err as ConnectionError;
    expect(conn.operation).toBe('download video');
    expect(conn.host).toBe(new URL(server.origin).host);
    expect(conn.sent).toBe(true);
    expect(conn.message).toContain('gave up after 3 attempts');
    expectNoSecrets(conn);
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('gives up with an http error when the status stays 503', async () => {
    server.plan(...Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 503 })));
    const err = await failure(
      download({ retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 1000 } }),
    );
    expect((err as DownloadError).kind).toBe('http');
    expect(err.message).toContain('503');
    expect(server.requests).toHaveLength(2);
  });

  it('treats a stalled body as a connection failure and resumes', async () => {
    server.plan({ kind: 'stall', after: 400_000 });
    const result = await download({ stallTimeoutMs: 200 });
    expect(result.attempts).toBe(2);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    await expectSaved(server.video);
  });

  it('reports a stall that never ends as TimeoutError', async () => {
    server.plan(...Array.from({ length: 3 }, () => ({ kind: 'stall' as const, after: 0 })));
    const err = await failure(
      download({ stallTimeoutMs: 100, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 } }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain('stalled');
  });
});

describe('downloadVideo: the output path', () => {
  it('never replaces a file that appeared during the download without force, and finishes later with force', async () => {
    let created = false;
    const err = await failure(
      download({
        onProgress: () => {
          if (!created) {
            created = true;
            writeFileSync(to, 'written by someone else meanwhile');
          }
        },
      }),
    );
    expect((err as DownloadError).kind).toBe('exists');
    expect(await readFile(to, 'utf8')).toBe('written by someone else meanwhile');
    expect((await stat(`${to}.part`)).size).toBe(server.video.length); // verified, kept

    const result = await download({ force: true });
    expect(server.requests.at(-1)!.status).toBe(416); // nothing downloaded twice
    expect(result.resumedFrom).toBe(server.video.length);
    await expectSaved(server.video);
  });

  it('reports a directory in the way of the .part as a disk error', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(`${to}.part`);
    const err = await failure(download());
    expect((err as DownloadError).kind).toBe('disk');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['first', 0],
    ['a later', 1],
  ])('lets an exception from the %s onProgress call through as is, without retrying', async (_, failingCall) => {
    const boom = new Error('progress view crashed');
    let calls = 0;
    const err = await failure(
      download({
        onProgress: () => {
          if (calls++ === failingCall) throw boom;
        },
      }),
    );
    expect(err).toBe(boom);
    expect(server.requests).toHaveLength(1);
    expect(existsSync(to)).toBe(false);
  });
});

describe('downloadVideo: abort', () => {
  it('throws AbortedError, keeps the .part, and a later call resumes from it', async () => {
    server.plan({ kind: 'stall', after: 600_000 });
    const controller = new AbortController();
    const err = await failure(
      download({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.transferredBytes >= 600_000) controller.abort();
        },
      }),
    );
    expect(err).toBeInstanceOf(AbortedError);
    expect(err.message).toContain('.part');
    expect(existsSync(to)).toBe(false);
    const kept = (await stat(`${to}.part`)).size;
    expect(kept).toBe(600_000);
    expect(JSON.parse(await readFile(`${to}.part.json`, 'utf8'))).toEqual({
      etag: server.etag,
      total: server.video.length,
      crc64: crc64(server.video),
    });

    const result = await download();
    expect(server.requests.at(-1)!.headers.range).toBe(`bytes=${kept}-`);
    expect(result.resumedFrom).toBe(kept);
    await expectSaved(server.video);
  });
});
