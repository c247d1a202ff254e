import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadVideo, type LockHolder, lockPath, lockTarget } from '../../../src/api/download/index.js';
import { AbortedError, type DownloadError } from '../../../src/api/errors/index.js';
import { fakeClock, startVideoServer, type VideoServer } from './video-server.js';

let dir: string;
let to: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-lock-'));
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

function writeLock(holder: Record<string, unknown>): Promise<void> {
  return writeFile(lockPath(to), JSON.stringify(holder));
}

describe('lockTarget', () => {
  it('writes pid, hostname, target and a token to <to>.part.lock, and removes it on release', async () => {
    const lock = await lockTarget(to);
    const content = JSON.parse(await readFile(`${to}.part.lock`, 'utf8'));
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname(), target: to });
    expect(content.token).toMatch(/^[0-9a-f]{32}$/);
    await lock.release();
    expect(existsSync(lockPath(to))).toBe(false);
    await lock.release(); // twice is harmless
  });

  it('makes a second caller in the same process wait until the first releases, telling it who', async () => {
    const first = await lockTarget(to);
    const waits: LockHolder[] = [];
    let second: Awaited<ReturnType<typeof lockTarget>> | undefined;
    const pending = lockTarget(to, { onWait: (h) => waits.push(h) }).then((l) => {
      second = l;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(second).toBeUndefined();
    expect(waits).toEqual([expect.objectContaining({ pid: process.pid, hostname: hostname(), target: to })]);
    await first.release();
    await pending;
    expect(second).toBeDefined();
    expect(waits).toHaveLength(1); // once, however long it waited
    await second!.release();
  });

  it('stops waiting when the signal fires, leaving the holder’s lock alone', async () => {
    const first = await lockTarget(to);
    const held = await readFile(lockPath(to), 'utf8');
    const controller = new AbortController();
    const waiting = lockTarget(to, { signal: controller.signal, onWait: () => controller.abort() });
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(await readFile(lockPath(to), 'utf8')).toBe(held);
    await first.release();
  });

  it('takes over at once a lock whose holder is dead', async () => {
    await writeLock({ pid: deadPid(), hostname: hostname(), target: to, token: 'a'.repeat(32) });
    const waits: LockHolder[] = [];
    const lock = await lockTarget(to, { onWait: (h) => waits.push(h) });
    expect(waits).toEqual([]);
    expect(JSON.parse(await readFile(lockPath(to), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock with this process’s pid that this process did not take (pid reuse)', async () => {
    await writeLock({ pid: process.pid, hostname: hostname(), target: to, token: 'b'.repeat(32) });
    const lock = await lockTarget(to, { onWait: () => expect.unreachable('must not wait') });
    await lock.release();
  });

  it('waits for a holder on another host, which it cannot check', async () => {
    await writeLock({ pid: 1, hostname: `not-${hostname()}`, target: to, token: 'c'.repeat(32) });
    const controller = new AbortController();
    const waits: LockHolder[] = [];
    const waiting = lockTarget(to, {
      signal: controller.signal,
      onWait: (h) => {
        waits.push(h);
        controller.abort();
      },
    });
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(waits[0]).toMatchObject({ pid: 1, hostname: `not-${hostname()}` });
  });

  it('waits on a lock file still being written, and takes over one left empty by a crash', async () => {
    await writeFile(lockPath(to), '');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(lockTarget(to, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath(to), old, old);
    const lock = await lockTarget(to);
    await lock.release();
  });

  it('does not delete on release a lock that someone else has taken meanwhile', async () => {
    const lock = await lockTarget(to);
    await writeLock({ pid: process.pid, hostname: hostname(), target: to, token: 'd'.repeat(32) });
    await lock.release();
    expect(JSON.parse(await readFile(lockPath(to), 'utf8')).token).toBe('d'.repeat(32));
  });

  it('refuses a lock path that is not a regular file', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(lockPath(to));
    await expect(lockTarget(to)).rejects.toMatchObject({ name: 'DownloadError', kind: 'disk' });
  });
});

describe('downloadVideo holds the lock', () => {
  let server: VideoServer;
  const clock = fakeClock();
  beforeEach(async () => {
    server = await startVideoServer(1024 * 1024 + 5);
  });
  afterEach(async () => {
    await server.close();
  });
  const url = () => server.url(Math.floor(clock.now() / 1000) + 3600);

  it('lets one of two concurrent downloads to one file write it; the other waits, then finds it saved', async () => {
    server.plan({ kind: 'slow', chunk: 64 * 1024, everyMs: 15 }, { kind: 'slow', chunk: 64 * 1024, everyMs: 15 });
    const waits: LockHolder[] = [];
    const outcomes = await Promise.allSettled([
      downloadVideo(url(), { to, clock, onWait: (h) => waits.push(h) }),
      downloadVideo(url(), { to, clock, onWait: (h) => waits.push(h) }),
    ]);
    const saved = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as DownloadError);
    expect(saved).toHaveLength(1);
    expect(refused.map((e) => e.kind)).toEqual(['exists']);
    expect(waits).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect((await readFile(to)).equals(server.video)).toBe(true);
    expect(existsSync(lockPath(to))).toBe(false);
  });

  it('with force, the second waits and then replaces the file, the two never writing at once', async () => {
    server.plan({ kind: 'slow', chunk: 64 * 1024, everyMs: 15 }, { kind: 'slow', chunk: 64 * 1024, everyMs: 15 });
    const results = await Promise.all([
      downloadVideo(url(), { to, clock, force: true }),
      downloadVideo(url(), { to, clock, force: true }),
    ]);
    expect(results.map((r) => r.bytes)).toEqual([server.video.length, server.video.length]);
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, undefined]);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });

  it('takes no lock when the caller says it holds it', async () => {
    const lock = await lockTarget(to);
    const result = await downloadVideo(url(), { to, clock, locked: true });
    expect(result.bytes).toBe(server.video.length);
    expect(existsSync(lockPath(to))).toBe(true);
    await lock.release();
  });
});
