import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../src/batch/report.js';
import { type Sandbox, type SandboxRequest, startSandbox } from '../../src/sandbox/index.js';
import { instantClock } from '../helpers/fake-clock.js';
import { runWan, type WanOptions, type WanResult } from '../helpers/run-wan.js';
import { VIDEO_CACHE } from '../helpers/sandbox.js';

/**
 * `wan batch` in-process, against a sandbox with the service's rate limits on (§6.1:
 * wan2.2-t2v-plus takes 2 submissions per second and processes 2 tasks at once; queries 20/s),
 * tasks that take 300 ms, and the shared video cache. Each case gets its own sandbox, so no task
 * of another case is in its list, and its own clock, shared by the program and the sandbox: the
 * batch's sleeps (pacing, polling) move the sandbox's time at once, so its limits and task times
 * are kept by that clock and nothing waits on the wall clock.
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
let clock: ReturnType<typeof instantClock>;
let work: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'wan-batch-e2e-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(async () => {
  clock = instantClock();
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

/** Requests per second to the query/list endpoints: the average over the batch and the worst sliding second. */
function queryRates(requests: SandboxRequest[]): {
  total: number;
  perSecond: number;
  peak: number;
  lists: number;
  gets: number;
} {
  const queries = requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/tasks'));
  const times = requests.map((r) => r.time);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  const peak = Math.max(
    0,
    ...queries.map((q) => queries.filter((o) => o.time <= q.time && o.time > q.time - 1000).length),
  );
  const lists = queries.filter((q) => q.path === '/api/v1/tasks' || q.path === '/api/v1/tasks/').length;
  return { total: queries.length, perSecond: queries.length / span, peak, lists, gets: queries.length - lists };
}

function show(r: WanResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** wan in-process, on the case's clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock, ...opts });

describe('wan batch', () => {
  it('30 lines: 30 verified files, exactly 30 creates, paced under the limits, with few queries', async () => {
    writeFileSync(path.join(work, 'shots.jsonl'), thirtyLines());
    const started = clock.now();
    const r = await wan(['batch', 'shots.jsonl', ...BATCH_FLAGS], { env: env(), cwd: work });
    const seconds = (clock.now() - started) / 1000;
    expect(r.code, show(r)).toBe(0);
    // Each run keeps its report: named after the batch file and when the run started.
    const reportFile = r.stdout.trim();
    expect(reportFile).toMatch(new RegExp(`^${path.join(work, 'videos', 'shots-')}\\d{8}-\\d{6}\\.report\\.json$`));
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as BatchReport;
    expect(report.file).toBe(path.join(work, 'shots.jsonl'));
    expect(report.lines.map((l) => l.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
    await expectVerified(report, 30);
    expect(report.lines[0]!.file).toBe(path.join(work, 'videos', 'clip-00.mp4'));
    expect(report.lines[1]!.file).toBe(path.join(work, 'videos', '004-a-paper-boat-in-the-rain.mp4'));
    expect(report.lines[0]!.key).toBe('e2e-0');
    expect(report.lines[1]!.key).toMatch(/^batch-[0-9a-f]{32}$/);
    expect(mp4s()).toHaveLength(30);

    expect(creates().filter((q) => q.status === 200)).toHaveLength(30);
    // Paced under the model's 2/s: a create the service refused (429) is rare, and was waited out and sent again.
    const throttled = creates().filter((q) => q.status === 429).length;
    expect(throttled).toBeLessThanOrEqual(3);
    const rates = queryRates(api());
    expect(rates.peak).toBeLessThanOrEqual(6); // the query pacer allows 5/s; the account allows 20
    expect(rates.perSecond).toBeLessThan(4);
    expect(r.stderr).toMatch(/^batch: 30 lines: 30 to create \(about 21\.00 CNY/m);
    expect(r.stderr).toMatch(/^line 3: task \S+ created$/m);
    expect(r.stderr).toMatch(/^line 3: saved .*clip-00\.mp4$/m);
    expect(r.stderr).toMatch(/^batch: 30 of 30 videos saved; report /m);
    // The figures for the record (shown with --reporter=verbose).
    const ideal = 29 / (2 / 1.1) + 0.3; // 30 submissions paced 10 % under 2/s, then one task of 300 ms
    console.info(
      `batch of 30: ${seconds.toFixed(1)} s by its clock (rate-bound ideal ${ideal.toFixed(1)} s), ${throttled} creates throttled, ${rates.total} queries (${rates.lists} lists, ${rates.gets} task queries), ${rates.perSecond.toFixed(2)}/s average, peak ${rates.peak} in one second`,
    );
  });

  it('once a task has ended, each next one is asked for alone when its time is up: one query per task, and its answer fetches the video', async () => {
    const timed = await startSandbox({
      clock,
      limits: true,
      pendingMs: 0,
      runningMs: 1500,
      videoCacheDir: VIDEO_CACHE,
    });
    try {
      writeFileSync(
        path.join(work, 'shots.txt'),
        `${Array.from({ length: 8 }, (_, i) => PROMPTS[i % 2]).join('\n')}\n`,
      );
      const r = await wan(
        [
          'batch',
          'shots.txt',
          '-m',
          'wan2.2-t2v-plus',
          '-s',
          '832*480',
          '--seed',
          '100',
          '--output-dir',
          'videos',
          '--json',
        ],
        {
          env: { ...env(), DASHSCOPE_HTTP_BASE_URL: timed.baseUrl },
          cwd: work,
        },
      );
      expect(r.code, show(r)).toBe(0);
      expect((JSON.parse(r.stdout) as BatchReport).lines.filter((l) => l.file !== null)).toHaveLength(8);
      const queries = timed.requests.filter(
        (q) => q.listener === 'api' && q.method === 'GET' && /\/tasks\/[^/]+$/.test(q.path),
      );
      // A task is asked for once its expected time is up, never before it ended (the time is learned
      // from the list's start and end times of the first tasks), and that one answer carries its video URL.
      expect(queries).toHaveLength(8);
      expect(new Set(queries.map((q) => q.path)).size).toBe(8);
    } finally {
      await timed.close();
    }
  });

  it('a create whose answer is lost is not sent again: the line fails (7), and the re-run finds its task', async () => {
    writeFileSync(path.join(work, 'shots.txt'), 'a heron in the reeds\na fox in the snow\n');
    // The task is made, then the connection is reset before the answer arrives: an ambiguous create.
    sandbox.setFaults({ rules: [{ endpoint: 'create', kind: 'reset', afterBytes: 5, times: 1 }] });
    const first = await wan(['batch', 'shots.txt', ...BATCH_FLAGS, '--seed', '100'], { env: env(), cwd: work });
    expect(first.code, show(first)).toBe(7);
    expect(first.stderr).toMatch(/^line 1: error: create task: /m);
    expect(first.stderr).toMatch(/^line 2: saved /m);
    expect(creates()).toHaveLength(2);
    sandbox.setFaults({});

    const again = await wan(['batch', 'shots.txt', ...BATCH_FLAGS, '--seed', '100'], { env: env(), cwd: work });
    expect(again.code, show(again)).toBe(0);
    expect(again.stderr).toMatch(/checking whether 1 create cut off by an earlier run reached the service/);
    expect(again.stderr).toMatch(/^line 1: resuming task /m);
    expect(creates()).toHaveLength(2);
    const report = JSON.parse(readFileSync(again.stdout.trim(), 'utf8')) as BatchReport;
    await expectVerified(report, 2);
  });

  // The real SIGINT to the binary is in test/e2e/batch.test.ts; here the IO's signal fires as it would.
  it('Ctrl-C: stops submitting, keeps the tasks, writes the report so far, says how to resume, exit 130', async () => {
    writeFileSync(
      path.join(work, 'shots.txt'),
      'a heron in the reeds\na fox in the snow\na paper boat in the rain\na lighthouse in a storm\n',
    );
    const r = await wan(['batch', 'shots.txt', ...BATCH_FLAGS], {
      env: env(),
      cwd: work,
      interrupt: (out) => / created$/m.test(out.stderr),
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
  });

  it('a bad line: exit 2 naming the line and the field, and not one request', async () => {
    writeFileSync(
      path.join(work, 'shots.jsonl'),
      '{"prompt":"a heron"}\n{"prompt":"a fox"}\n{"prompt":"a cat","duration":7}\n{"prompt":"x","colour":"red"}\n',
    );
    const r = await wan(['batch', 'shots.jsonl', ...BATCH_FLAGS], { env: env(), cwd: work });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/line 3: duration: wan2\.2-t2v-plus makes videos of 5 seconds; got 7/);
    expect(r.stderr).toMatch(/line 4: colour: unknown field "colour"/);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(r.stdout).toBe('');
    expect(sandbox.requests).toEqual([]);
    expect(existsSync(path.join(work, 'videos'))).toBe(false);
  });

  it('a task that FAILS: its error in the report, exit 4, the other videos saved; --json prints the report', async () => {
    const lines = ['a heron in the reeds', 'FAIL: this one fails', 'a fox in the snow'].map((prompt, i) =>
      JSON.stringify({ prompt, seed: 100 + (i === 2 ? 5 : 0) }),
    );
    writeFileSync(path.join(work, 'shots.jsonl'), `${lines.join('\n')}\n`);
    const r = await wan(['batch', 'shots.jsonl', ...BATCH_FLAGS, '--json', '--report', 'out/report.json'], {
      env: env(),
      cwd: work,
    });
    expect(r.code, show(r)).toBe(4);
    const report = JSON.parse(r.stdout) as BatchReport;
    expect(JSON.parse(readFileSync(path.join(work, 'out', 'report.json'), 'utf8'))).toEqual(report);
    expect(report.lines.map((l) => l.status)).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    expect(report.lines[1]).toMatchObject({
      line: 2,
      file: null,
      bytes: null,
      sha256: null,
      error: { code: 'InternalError.Algo', exit_code: 4 },
    });
    expect(report.lines[1]!.error!.message).toMatch(/the sandbox was told to fail this task/);
    expect(report.lines[1]!.task_id).toMatch(/^[0-9a-f-]{36}$/);
    for (const i of [0, 2]) {
      expect(report.lines[i]!.error).toBeNull();
      expect(sha256(readFileSync(report.lines[i]!.file!))).toBe(
        sha256(await sandbox.videoFor(report.lines[i]!.task_id!)),
      );
    }
    expect(creates().filter((q) => q.status === 200)).toHaveLength(3);
    expect(r.stderr).toBe('');
  });
});
