import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { runWan, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/**
 * Real signals to the real process, in the middle of a (slowed-down) download. The runs before and
 * after the signal (create, the resume, status) run in-process on the fixture's clock: what the
 * signalled process left behind is what these cases are about.
 */
const KEY = 'sk-test-SECRET-signals-0123456789abcdef';
/** With seed 100, a video the shared cache keeps (batch's first line): each case's task is its own, its bytes are not. */
const PROMPT = 'a heron in the reeds';
let fx: SandboxFixture;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());

function workDir(): string {
  const dir = path.join(fx.dir, `case-${++n}`);
  mkdirSync(dir);
  return dir;
}

const env = (work: string) => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
});

/** Sends `signal` once the download has begun and part of it is on disk. */
function killWhenDownloading(signal: NodeJS.Signals, part: string) {
  return (child: ChildProcess, out: { stderr: () => string }) => {
    const timer = setInterval(() => {
      if (out.stderr().includes('downloading') && existsSync(part) && statSync(part).size > 0) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', () => clearInterval(timer));
  };
}

/** wan in-process against the fixture, on its clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock: fx.clock, ...opts });

const slowVideo = () =>
  fx.sandbox.setFaults({ rules: [{ endpoint: 'video', kind: 'slow', bytesPerSecond: 20_000, times: 1 }] });

describe('interruption', () => {
  it('SIGINT during a download: exit 130, no file at the path, the .part resumes on the next run', async () => {
    const work = workDir();
    fx.sandbox.setFaults({});
    const id = (
      await wan(['create', PROMPT, '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100'], {
        env: env(work),
        cwd: work,
      })
    ).stdout.trim();
    slowVideo();
    const out = path.join(work, 'out.mp4');
    const r = await runBin(['download', id, '-o', out], {
      env: env(work),
      cwd: work,
      onStart: killWhenDownloading('SIGINT', `${out}.part`),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect(r.stderr).toMatch(new RegExp(`resume with: wan wait ${id}`));
    expect(existsSync(out)).toBe(false);
    const kept = statSync(`${out}.part`).size;
    expect(kept).toBeGreaterThan(0);

    const before = fx.videoRequests().length;
    const again = await wan(['download', id, '-o', out], { env: env(work), cwd: work });
    expect(again.code).toBe(0);
    expect(readFileSync(out).equals(await fx.sandbox.videoFor(id))).toBe(true);
    const get = fx
      .videoRequests()
      .slice(before)
      .find((q) => q.method === 'GET')!;
    expect(get.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('SIGKILL of wan run mid-download, then wan download <id> -o same completes from the .part', async () => {
    const work = workDir();
    fx.sandbox.setFaults({});
    slowVideo();
    const out = path.join(work, 'run.mp4');
    const r = await runBin(
      ['run', PROMPT, '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100', '-o', out, '--interval', '1s'],
      {
        env: env(work),
        cwd: work,
        onStart: killWhenDownloading('SIGKILL', `${out}.part`),
      },
    );
    expect(r.signal).toBe('SIGKILL');
    const id = /task (\S+) created/.exec(r.stderr)![1]!;
    expect(existsSync(out)).toBe(false);

    const before = fx.videoRequests().length;
    const resumed = await wan(['download', id, '-o', out], { env: env(work), cwd: work });
    expect(resumed.code).toBe(0);
    expect(readFileSync(out).equals(await fx.sandbox.videoFor(id))).toBe(true);
    expect(
      fx
        .videoRequests()
        .slice(before)
        .find((q) => q.method === 'GET')!.headers.range,
    ).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('after a killed run, wan wait --pending finds and downloads the task from the journal', async () => {
    const work = workDir();
    fx.sandbox.setFaults({});
    slowVideo();
    const out = path.join(work, 'pending.mp4');
    const r = await runBin(
      ['run', PROMPT, '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100', '-o', out, '--interval', '1s'],
      {
        env: env(work),
        cwd: work,
        onStart: killWhenDownloading('SIGKILL', `${out}.part`),
      },
    );
    expect(r.signal).toBe('SIGKILL');
    const id = /task (\S+) created/.exec(r.stderr)![1]!;
    const creates = fx.apiRequests().filter((q) => q.method === 'POST').length;

    const pending = await wan(['wait', '--pending'], { env: env(work), cwd: work });
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout.trim()).toBe(out);
    expect(readFileSync(out).equals(await fx.sandbox.videoFor(id))).toBe(true);
    expect(fx.apiRequests().filter((q) => q.method === 'POST').length).toBe(creates);

    const nothing = await wan(['wait', '--pending'], { env: env(work), cwd: work });
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toMatch(/no pending tasks/);
  });
});

describe('--cancel-on-interrupt', () => {
  it('cancels a task that is still PENDING when the wait is interrupted', async () => {
    const queued = await sandboxFixture({ pendingMs: 3_600_000 });
    try {
      const work = workDir();
      const e = { ...env(work), DASHSCOPE_HTTP_BASE_URL: queued.sandbox.baseUrl };
      const id = (await runWan(['create', 'queued'], { env: e, cwd: work, clock: queued.clock })).stdout.trim();
      const r = await runBin(['wait', id, '--cancel-on-interrupt'], {
        env: e,
        cwd: work,
        onStart: (child, out) => {
          const timer = setInterval(() => {
            if (out.stderr().includes('PENDING')) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 20);
        },
      });
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`task ${id} was cancelled \\(it was still PENDING, so nothing is billed\\)`));
      expect(queued.sandbox.requests.some((q) => q.path.endsWith(`/tasks/${id}/cancel`))).toBe(true);
      const status = await runWan(['status', id, '--json'], { env: e, cwd: work, clock: queued.clock });
      expect(JSON.parse(status.stdout)).toMatchObject({ task_status: 'CANCELED' });
    } finally {
      await queued.close();
    }
  });
});
