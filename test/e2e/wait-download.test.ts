import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { runWan } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/**
 * The built binary end to end: run, and create → wait -o, against the sandbox; and a real SIGINT
 * during a wait. Everything else about these commands runs in-process in test/commands/wait-download.test.ts.
 */
const KEY = 'sk-test-SECRET-wait-0123456789abcdef';
let fx: SandboxFixture;
let work: string;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());
beforeEach(() => {
  fx.sandbox.setFaults({});
  work = path.join(fx.dir, `case-${++n}`);
  mkdirSync(work);
});

const env = (extra: Record<string, string> = {}) => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: fx.dir,
  ...extra,
});
const wan = (args: string[], extra?: Record<string, string>) => runBin(args, { env: env(extra), cwd: work });

/** One prompt and seed (as in test/commands): the shared cache keeps their video. */
async function createTask(prompt = 'a heron in the reeds'): Promise<string> {
  const r = await wan(['create', prompt, '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100']);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

function leftovers(): string[] {
  return readdirSync(work).filter((f) => f.endsWith('.part') || f.endsWith('.part.json'));
}

describe('the built binary: run, create → wait -o', () => {
  it('run creates, waits and saves a byte-identical MP4 with a sidecar', async () => {
    const r = await wan([
      'run',
      'a paper boat in the rain',
      '-m',
      'wan2.2-t2v-plus',
      '-s',
      '832*480',
      '--seed',
      '101',
      '-o',
      'boat.mp4',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(work, 'boat.mp4')}\n`);
    const id = /task (\S+) created/.exec(r.stderr)![1]!;
    const bytes = readFileSync(path.join(work, 'boat.mp4'));
    expect(bytes.equals(await fx.sandbox.videoFor(id))).toBe(true);
    expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
    const sidecar = JSON.parse(readFileSync(path.join(work, 'boat.mp4.json'), 'utf8')) as Record<string, unknown>;
    expect(sidecar).toMatchObject({
      task_id: id,
      model: 'wan2.2-t2v-plus',
      prompt: 'a paper boat in the rain',
      size: '832*480',
      duration: 5,
      bytes: bytes.length,
    });
    expect(JSON.stringify(sidecar)).not.toMatch(/Signature|Expires|sk-/);
    expect(leftovers()).toEqual([]);
    expect(r.stderr).not.toMatch(/\u001b\[/);
    expect(r.stderr + r.stdout).not.toContain(KEY);
    // The key went to the API only: no video request carried an Authorization header.
    expect(fx.videoRequests().length).toBeGreaterThan(0);
    expect(fx.videoRequests().every((q) => !q.hasAuthorization)).toBe(true);
  });

  it('create then wait -o, --json with file, bytes and sha256', async () => {
    const id = await createTask();
    const r = await wan(['wait', id, '-o', 'out.mp4', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    const bytes = readFileSync(path.join(work, 'out.mp4'));
    expect(result).toMatchObject({
      task_id: id,
      task_status: 'SUCCEEDED',
      file: path.join(work, 'out.mp4'),
      bytes: bytes.length,
    });
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.stderr).toBe('');
  });
});

describe('two processes saving one file', () => {
  it('two downloads of a task to the same -o at once: one writes, the other waits, then finds it saved', async () => {
    const id = await createTask();
    expect((await wan(['wait', id, '--no-download'])).code).toBe(0);
    // Slow enough that the second process starts while the first is writing.
    fx.sandbox.setFaults({ rules: [{ endpoint: 'video', kind: 'slow', bytesPerSecond: 100_000 }] });
    const before = fx.videoRequests().length;
    const [a, b] = await Promise.all([
      wan(['download', id, '-o', 'same.mp4']),
      wan(['download', id, '-o', 'same.mp4']),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stderr + b.stderr).toMatch(/waiting for wan \(pid \d+\), which is saving .*same\.mp4/);
    const bytes = readFileSync(path.join(work, 'same.mp4'));
    expect(bytes.equals(await fx.sandbox.videoFor(id))).toBe(true);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    for (const r of [a, b]) expect(r.stdout).toBe(`${path.join(work, 'same.mp4')}\n`);
    expect(JSON.parse(readFileSync(path.join(work, 'same.mp4.json'), 'utf8'))).toMatchObject({ task_id: id, sha256 });
    // One of them fetched the video; the other only read what was saved.
    expect(fx.videoRequests().length - before).toBe(1);
    expect(leftovers()).toEqual([]);
  });
});

describe('waiting that does not end in time', () => {
  let slow: SandboxFixture;
  beforeAll(async () => {
    slow = await sandboxFixture({ pendingMs: 0, runningMs: 3_600_000 });
  });
  afterAll(async () => slow.close());
  const slowEnv = () => ({ ...env(), DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl });

  it('SIGINT during a wait: exit 130, the task keeps running, how to resume', async () => {
    // The create needs no process of its own: the signalled wait is what this case is about.
    const id = (await runWan(['create', 'slow'], { env: slowEnv(), cwd: work, clock: slow.clock })).stdout.trim();
    const r = await runBin(['wait', id, '-o', 'never.mp4'], {
      env: slowEnv(),
      cwd: work,
      onStart: (child, out) => {
        const timer = setInterval(() => {
          if (out.stderr().includes('RUNNING')) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`task ${id} keeps running \\(it is paid for\\); resume with: wan wait ${id}`));
    expect(existsSync(path.join(work, 'never.mp4'))).toBe(false);
  });
});
