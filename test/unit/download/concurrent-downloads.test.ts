import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadVideo, type LockHolder, lockPath } from '../../../src/api/download/index.js';
import { startVideoServer, type VideoServer } from './video-server.js';

/*
 * Real processes, because one writer per target is a promise between processes. The download
 * module is bundled on its own into a temp dir (not `dist/`), so this test depends neither on a
 * prior build nor on the rest of the project compiling.
 */

const ROOT = resolve(__dirname, '../../..');

// download <module> <url> <to>: waits for "go" on stdin, downloads, prints one JSON line.
// lock <module> <to> <log> <id>: waits for "go", holds the lock 100 ms, logging in and out.
const CHILD = `
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [mode, modulePath, ...args] = process.argv.slice(2);
const { downloadVideo, lockTarget } = await import(pathToFileURL(modulePath).href);
const print = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
print({ ready: true });
await new Promise((go) => process.stdin.once('data', go));
process.stdin.destroy();
if (mode === 'download') {
  const [url, to] = args;
  try {
    const result = await downloadVideo(url, { to, stallTimeoutMs: 5000, onWait: (holder) => print({ waiting: holder }) });
    print({ result });
  } catch (err) {
    print({ error: { name: err.name, kind: err.kind, message: err.message } });
  }
} else {
  const [to, log, id] = args;
  const lock = await lockTarget(to);
  appendFileSync(log, id + ' in\\n');
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(log, id + ' out\\n');
  await lock.release();
}
`;

interface Child {
  process: ChildProcess;
  lines: Array<Record<string, unknown>>;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

let buildDir: string;
let modulePath: string;
let childPath: string;

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'wan-download-procs-'));
  modulePath = join(buildDir, 'download.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/api/download/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: modulePath,
    logLevel: 'warning',
  });
  // ESM output needs a way to resolve 'undici'.
  await symlink(join(ROOT, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
  childPath = join(buildDir, 'child.mjs');
  await writeFile(childPath, CHILD);
}, 60_000);

afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});

function startChild(...args: string[]): Child {
  const child = spawn(process.execPath, [childPath, args[0]!, modulePath, ...args.slice(1)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, i)) as Record<string, unknown>;
      buffered = buffered.slice(i + 1);
      lines.push(line);
      if (line.ready) onReady();
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { process: child, lines, ready, exited };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let server: VideoServer;
let dir: string;
let to: string;

beforeEach(async () => {
  server = await startVideoServer(2 * 1024 * 1024 + 3);
  dir = await mkdtemp(join(tmpdir(), 'wan-download-procs-'));
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const url = () => server.url(Math.floor(Date.now() / 1000) + 3600);

describe('two processes downloading to one file', () => {
  it('exactly one writes it: the other waits for it, then finds the file saved', async () => {
    // 2 MiB in 32 pieces 25 ms apart: about 0.8 s, long enough for the two to overlap.
    server.plan({ kind: 'slow', chunk: 64 * 1024, everyMs: 25 }, { kind: 'slow', chunk: 64 * 1024, everyMs: 25 });
    const children = [startChild('download', url(), to), startChild('download', url(), to)];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.process.stdin!.write('go\n');
    await Promise.all(children.map((c) => c.exited));

    const outcomes = children.map((c) => c.lines.find((l) => l.result || l.error)!);
    const saved = outcomes.filter((o) => o.result);
    const refused = outcomes.filter((o) => o.error).map((o) => o.error as { kind: string });
    expect(saved).toHaveLength(1);
    expect(refused).toEqual([expect.objectContaining({ kind: 'exists' })]);
    const waiter = children.find((c) => c.lines.some((l) => l.error))!;
    const writer = children.find((c) => c !== waiter)!;
    expect(waiter.lines.find((l) => l.waiting)?.waiting).toMatchObject({ pid: writer.process.pid, target: to });

    expect(server.requests).toHaveLength(1);
    const file = await readFile(to);
    expect(file.equals(server.video)).toBe(true);
    expect((saved[0]!.result as { bytes: number }).bytes).toBe(server.video.length);
    expect(existsSync(`${to}.part`)).toBe(false);
    expect(existsSync(lockPath(to))).toBe(false);
  }, 30_000);

  it('recovers the lock of a download that was SIGKILLed, and resumes its .part', async () => {
    server.plan({ kind: 'slow', chunk: 32 * 1024, everyMs: 20 });
    const killed = startChild('download', url(), to);
    await killed.ready;
    killed.process.stdin!.write('go\n');
    await until(() => existsSync(`${to}.part`) && statSync(`${to}.part`).size >= 256 * 1024);
    killed.process.kill('SIGKILL');
    await killed.exited;
    expect(JSON.parse(await readFile(lockPath(to), 'utf8'))).toMatchObject({ pid: killed.process.pid });
    const kept = statSync(`${to}.part`).size;

    const waits: LockHolder[] = [];
    const result = await downloadVideo(url(), { to, onWait: (h) => waits.push(h) });
    expect(waits).toEqual([]);
    expect(result.resumedFrom).toBe(kept);
    expect((await readFile(to)).equals(server.video)).toBe(true);
    expect(existsSync(lockPath(to))).toBe(false);
  }, 30_000);

  it('lets only one of several processes take over a stale lock at a time', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(
      lockPath(to),
      JSON.stringify({ pid: dead, hostname: hostname(), target: to, token: 'e'.repeat(32) }),
    );
    const log = join(dir, 'log');
    await writeFile(log, '');
    const children = [1, 2, 3, 4].map((id) => startChild('lock', to, log, String(id)));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.process.stdin!.write('go\n');
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0, 0, 0]);

    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(8);
    for (let i = 0; i < lines.length; i += 2) {
      const [id, what] = lines[i]!.split(' ');
      expect([what, lines[i + 1]]).toEqual(['in', `${id} out`]);
    }
    expect(existsSync(lockPath(to))).toBe(false);
  }, 30_000);
});
