import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../src/batch/report.js';
import { type Sandbox, type SandboxRequest, startSandbox } from '../../src/sandbox/index.js';
import { steppedClock } from '../helpers/fake-clock.js';
import { type BinResult, runBin } from '../helpers/run-bin.js';
import { runWan, type WanResult } from '../helpers/run-wan.js';
import { VIDEO_CACHE } from '../helpers/sandbox.js';

/**
 * `wan batch` as a user runs it, killed and interrupted by real signals, against a sandbox with the
 * service's rate limits on (§6.1: wan2.2-t2v-plus takes 2 submissions per second and processes 2
 * tasks at once; queries 20/s), tasks that take 300 ms, and the shared video cache. Each case gets
 * its own sandbox, so no task of another case is in its list. The rest of batch runs in-process
 * (test/commands/batch.test.ts).
 *
 * The sandbox's clock is the wall clock plus whatever an in-process re-run's sleeps skip: the
 * binary runs in real time, and a re-run after it goes on from there without waiting.
 */

const KEY = 'sk-test-batch-0123456789abcdef';
const CREATE_PATH = '/api/v1/services/aigc/video-generation/video-synthesis';
/** Six prompts, each always with the same seed: 30 lines cost six encodes, once per machine. */
const PROMPTS = [
  'a heron in the reeds',
  'a paper boat in the rain',
  'a lighthouse in a storm',
  'a red panda surfing',
  'city lights at night',
  'a fox in the snow',
];

let root: string;
let sandbox: Sandbox;
let clock: ReturnType<typeof steppedClock>;
let work: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'wan-batch-e2e-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(async () => {
  let skipped = 0;
  clock = steppedClock({ now: () => Date.now() + skipped, advance: (ms) => void (skipped += ms) });
  sandbox = await startSandbox({
    clock,
    limits: true,
    pendingMs: 0,
    runningMs: 300,
    videoCacheDir: VIDEO_CACHE,
    script: (task) =>
      task.prompt.startsWith('FAIL')
        ? { fail: { code: 'InternalError.Algo', message: 'the sandbox was told to fail this task' } }
        : undefined,
  });
  work = path.join(root, `case-${++n}`);
  mkdirSync(work);
});
afterEach(async () => sandbox.close());

const env = () => ({
  DASHSCOPE_HTTP_BASE_URL: sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
});
const BATCH_FLAGS = ['-m', 'wan2.2-t2v-plus', '-s', '832*480', '--interval', '1s', '--output-dir', 'videos'];

/** 30 lines: half with an output name, a few with an explicit key, the rest named and keyed by the batch. */
function thirtyLines(): string {
  const lines = ['# a batch of 30', ''];
  for (let i = 0; i < 30; i++) {
    const line: Record<string, unknown> = { prompt: PROMPTS[i % PROMPTS.length], seed: 100 + (i % PROMPTS.length) };
    if (i % 2 === 0) line.output = `clip-${String(i).padStart(2, '0')}.mp4`;
    if (i % 5 === 0) line.key = `e2e-${i}`;
    lines.push(JSON.stringify(line));
  }
  return `${lines.join('\n')}\n`;
}

const api = (): SandboxRequest[] => sandbox.requests.filter((r) => r.listener === 'api');
const creates = (): SandboxRequest[] => api().filter((r) => r.method === 'POST' && r.path === CREATE_PATH);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function expectVerified(report: BatchReport, count: number): Promise<void> {
  expect(report.lines).toHaveLength(count);
  for (const line of report.lines) {
    expect(line.error).toBeNull();
    expect(line.status).toBe('SUCCEEDED');
    const bytes = readFileSync(line.file!);
    expect(bytes.length).toBe(line.bytes);
    expect(sha256(bytes)).toBe(line.sha256);
    expect(sha256(await sandbox.videoFor(line.task_id!))).toBe(line.sha256);
  }
  expect(new Set(report.lines.map((l) => l.task_id)).size).toBe(count);
  expect(new Set(report.lines.map((l) => l.file)).size).toBe(count);
}

function mp4s(): string[] {
  return readdirSync(path.join(work, 'videos')).filter((f) => f.endsWith('.mp4'));
}

function show(r: BinResult | WanResult): string {
  return `exit ${r.code} ${'signal' in r ? (r.signal ?? '') : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe('wan batch', () => {
  it('killed with SIGKILL halfway, then run again: still 30 creates in all, and 30 files', async () => {
    writeFileSync(path.join(work, 'shots.jsonl'), thirtyLines());
    let timer: NodeJS.Timeout | undefined;
    const first = await runBin(['batch', 'shots.jsonl', ...BATCH_FLAGS], {
      env: env(),
      cwd: work,
      onStart: (child, output) => {
        timer = setInterval(() => {
          if ((output.stderr().match(/ created$/gm) ?? []).length >= 10) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 20);
      },
    });
    clearInterval(timer);
    expect(first.signal, show(first)).toBe('SIGKILL');
    const createdBefore = creates().filter((q) => q.status === 200).length;
    expect(createdBefore).toBeGreaterThanOrEqual(10);
    expect(createdBefore).toBeLessThan(30);

    // What the killed process left behind is what this test is about: the re-run needs no process of its own.
    const again = await runWan(['batch', 'shots.jsonl', ...BATCH_FLAGS], { env: env(), cwd: work, clock });
    expect(again.code, show(again)).toBe(0);
    expect(creates().filter((q) => q.status === 200)).toHaveLength(30);
    const report = JSON.parse(readFileSync(again.stdout.trim(), 'utf8')) as BatchReport;
    await expectVerified(report, 30);
    expect(mp4s()).toHaveLength(30);
    expect(readdirSync(path.join(work, 'videos')).filter((f) => f.endsWith('.part'))).toEqual([]);
    // The re-run took over what the first run had started instead of paying for it again.
    expect(again.stderr).toMatch(/already saved|resuming task/);
    expect(again.stderr).toMatch(new RegExp(`^batch: 30 lines: ${30 - createdBefore} to create`, 'm'));
  }, 60_000);

  it('Ctrl-C: stops submitting, keeps the tasks, writes the report so far, says how to resume, exit 130', async () => {
    writeFileSync(
      path.join(work, 'shots.txt'),
      'a heron in the reeds\na fox in the snow\na paper boat in the rain\na lighthouse in a storm\n',
    );
    const r = await runBin(['batch', 'shots.txt', ...BATCH_FLAGS], {
      env: env(),
      cwd: work,
      onStart: (child, output) => {
        const timer = setInterval(() => {
          if (/ created$/m.test(output.stderr())) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 10);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr).toMatch(/^interrupted: \d tasks? keeps? running/m);
    expect(r.stderr).toMatch(/^hint: resume with: wan batch shots\.txt/m);
    expect(r.stdout).toMatch(/\/videos\/shots-\d{8}-\d{6}\.report\.json\n$/);
    const report = JSON.parse(readFileSync(r.stdout.trim(), 'utf8')) as BatchReport;
    const made = creates().filter((q) => q.status === 200).length;
    expect(made).toBeLessThan(4);
    expect(report.lines.filter((l) => l.task_id !== null)).toHaveLength(made);
    const unsent = report.lines.filter((l) => l.task_id === null);
    expect(unsent.length).toBeGreaterThan(0);
    for (const l of unsent)
      expect(l).toMatchObject({ status: 'NOT_CREATED', error: { code: 'interrupted', exit_code: 130 } });
  }, 30_000);
});
