import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/api/crc64.js';
import { type DownloadOptions, downloadVideo } from '../../../src/api/download/index.js';
import { fakeClock, startVideoServer, type VideoServer } from './video-server.js';

let server: VideoServer;
let dir: string;
let clock: ReturnType<typeof fakeClock>;
let to: string;
let agent: Agent;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeEach(async () => {
  server = await startVideoServer(2 * 1024 * 1024 + 77);
  dir = await mkdtemp(join(tmpdir(), 'wan-download-routes-'));
  clock = fakeClock();
  to = join(dir, 'video.mp4');
  agent = new Agent();
});

afterEach(async () => {
  await agent.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function download(extra: Partial<DownloadOptions> = {}) {
  return downloadVideo(server.url(Math.floor(clock.now() / 1000) + 3600), { to, clock, random: () => 0.5, ...extra });
}

async function expectSaved(video: Buffer): Promise<void> {
  const saved = await readFile(to);
  expect(saved.length).toBe(video.length);
  expect(saved.equals(video)).toBe(true);
}

describe('downloadVideo through an undici dispatcher', () => {
  it('saves the exact bytes with their digests', async () => {
    const result = await download({ dispatcher: agent });
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
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity');
  });

  it('resumes a body cut mid-way with Range and If-Range', async () => {
    server.plan({ kind: 'cut', after: 700_000 });
    const retries: Array<{ reason: string }> = [];
    const result = await download({ dispatcher: agent, onRetry: (info) => retries.push(info) });
    await expectSaved(server.video);
    expect(result.attempts).toBe(2);
    expect(result.sha256).toBe(sha256(server.video));
    const [, second] = server.requests;
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second!.headers.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(700_000);
    expect(second!.headers['if-range']).toBe(server.etag);
    expect(second!.status).toBe(206);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.reason).toMatch(/closed|shorter|socket|reset/i);
  });

  it('treats a stalled body as a connection failure (its own stall limit) and resumes', async () => {
    server.plan({ kind: 'stall', after: 300_000 });
    const result = await download({ dispatcher: agent, stallTimeoutMs: 150 });
    expect(result.attempts).toBe(2);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    await expectSaved(server.video);
  });

  it('reports a redirect instead of following it', async () => {
    server.plan({ kind: 'status', status: 302, headers: { location: 'https://elsewhere.example/x.mp4' } });
    const err = await download({ dispatcher: agent }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('302');
    expect(server.requests).toHaveLength(1);
  });
});

describe('downloadVideo with the deprecated sha256: false', () => {
  it('still computes the SHA-256 (it is always computed now)', async () => {
    const result = await download({ sha256: false });
    await expectSaved(server.video);
    expect(result.sha256).toBe(sha256(server.video));
    expect(result.crc64).toBe(crc64(server.video));
  });
});
