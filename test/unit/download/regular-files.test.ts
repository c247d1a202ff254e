import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DownloadOptions, downloadVideo } from '../../../src/api/download/index.js';
import type { DownloadError } from '../../../src/api/errors/index.js';
import { fakeClock, startVideoServer, type VideoServer } from './video-server.js';

/*
 * Only regular files are ever replaced or written. Run as root, `-o /dev/null --force` would
 * otherwise replace /dev/null; these tests make their special files in a temporary directory.
 */

let server: VideoServer;
let dir: string;
let clock: ReturnType<typeof fakeClock>;
let to: string;

beforeEach(async () => {
  server = await startVideoServer(1024 * 1024);
  dir = await mkdtemp(join(tmpdir(), 'wan-regular-'));
  clock = fakeClock();
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function download(extra: Partial<DownloadOptions> = {}) {
  return downloadVideo(server.url(Math.floor(clock.now() / 1000) + 3600), { to, clock, random: () => 0.5, ...extra });
}

async function refusal(promise: Promise<unknown>): Promise<DownloadError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as DownloadError,
  );
  if (!err) throw new Error('expected the download to be refused');
  expect(err.name).toBe('DownloadError');
  expect(err.kind).toBe('disk');
  expect(server.requests).toHaveLength(0);
  return err;
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
}

const isRoot = process.getuid?.() === 0;

describe('downloadVideo: only regular files are replaced', () => {
  it.each([false, true])('refuses a FIFO at the target (force: %s), naming it', async (force) => {
    mkfifo(to);
    const err = await refusal(download({ force }));
    expect(err.message).toContain(to);
    expect(err.message).toContain('FIFO');
    expect(lstatSync(to).isFIFO()).toBe(true);
  });

  it('refuses a socket at the target with force', async () => {
    const socketServer = net.createServer();
    await new Promise<void>((resolve) => socketServer.listen(to, resolve));
    try {
      const err = await refusal(download({ force: true }));
      expect(err.message).toContain('socket');
      expect(lstatSync(to).isSocket()).toBe(true);
    } finally {
      await new Promise<void>((resolve) => socketServer.close(() => resolve()));
    }
  });

  it.runIf(isRoot)('refuses a character device (a copy of /dev/null) at the target with force', async () => {
    const made = spawnSync('mknod', [to, 'c', '1', '3']);
    expect(made.status).toBe(0);
    const err = await refusal(download({ force: true }));
    expect(err.message).toContain('character device');
    expect(lstatSync(to).isCharacterDevice()).toBe(true);
  });

  it('refuses a directory at the target with force', async () => {
    await mkdir(to);
    const err = await refusal(download({ force: true }));
    expect(err.message).toContain('directory');
  });

  it.each([false, true])('refuses a dangling symlink at the target (force: %s)', async (force) => {
    const nowhere = join(dir, 'nowhere.mp4');
    await symlink(nowhere, to);
    const err = await refusal(download({ force }));
    expect(err.message).toContain('dangling symbolic link');
    expect(lstatSync(to).isSymbolicLink()).toBe(true);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('refuses a symlink to a FIFO with force', async () => {
    const fifo = join(dir, 'fifo');
    mkfifo(fifo);
    await symlink(fifo, to);
    const err = await refusal(download({ force: true }));
    expect(err.message).toContain('FIFO');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('replaces a symlink to a regular file with force (the link, never the file it points to)', async () => {
    const other = join(dir, 'other.mp4');
    await writeFile(other, 'someone else’s file');
    await symlink(other, to);
    await download({ force: true });
    expect(lstatSync(to).isFile()).toBe(true);
    expect((await readFile(to)).equals(server.video)).toBe(true);
    expect(await readFile(other, 'utf8')).toBe('someone else’s file');
  });
});

describe('downloadVideo: the .part and .part.json must be regular files', () => {
  it('refuses a .part that is a symlink, and never writes through it', async () => {
    // A symlink to a file that starts like the video: resuming through it would write into that file.
    const elsewhere = join(dir, 'elsewhere.bin');
    const prefix = server.video.subarray(0, 300_000);
    await writeFile(elsewhere, prefix);
    await symlink(elsewhere, `${to}.part`);
    const err = await refusal(download());
    expect(err.message).toContain(`${to}.part`);
    expect(err.message).toContain('symbolic link');
    expect((await readFile(elsewhere)).equals(prefix)).toBe(true);
    expect(existsSync(to)).toBe(false);
  });

  it('refuses a .part that is a FIFO', async () => {
    mkfifo(`${to}.part`);
    const err = await refusal(download());
    expect(err.message).toContain('FIFO');
  });

  it.each([
    ['a directory', (path: string) => mkdir(path)],
    ['a symlink', (path: string) => symlink(join(dir, 'meta-elsewhere.json'), path)],
  ])('refuses a .part.json that is %s, before any request', async (_, make) => {
    await make(`${to}.part.json`);
    const err = await refusal(download());
    expect(err.message).toContain(`${to}.part.json`);
    expect(existsSync(join(dir, 'meta-elsewhere.json'))).toBe(false);
  });
});
