import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule, SandboxFaults } from '../../src/sandbox/index.js';
import { runWan } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/**
 * Every fault × every command it can hit, run in-process against the sandbox on its clock: the exit
 * code, the message (with the ids a user needs), no partial or corrupt file at the output path, a
 * byte-identical file whenever recovery is possible, and the exact number of create requests.
 */
const KEY = 'sk-test-SECRET-faults-0123456789abcdef';
let fx: SandboxFixture;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());

// One prompt and seed for every task (batch's first line too): the sandbox encodes the video once and serves it from its cache.
const TASK = {
  model: 'wan2.2-t2v-plus',
  input: { prompt: 'a heron in the reeds' },
  parameters: { size: '832*480', seed: 100 },
};
const CREATE_ARGS = ['create', 'a heron in the reeds', '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** A finished task made straight through the API, before any fault is switched on. */
async function readyTask(): Promise<string> {
  fx.sandbox.setFaults({});
  const res = await fetch(`${fx.sandbox.baseUrl}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'x-dashscope-async': 'enable', 'content-type': 'application/json' },
    body: JSON.stringify(TASK),
  });
  return ((await res.json()) as { output: { task_id: string } }).output.task_id;
}

type Command = 'create' | 'status' | 'wait' | 'download' | 'run' | 'list' | 'cancel';

interface Case {
  name: string;
  command: Command;
  faults: SandboxFaults | FaultRule[];
  exit: number;
  message?: RegExp;
  /** Create requests the sandbox must have received. */
  creates?: number;
  /** What must be at the output path afterwards. */
  file?: 'identical' | 'absent';
  env?: Record<string, string>;
}

const rule = (spec: FaultRule): FaultRule[] => [spec];

const cases: Case[] = [
  // create: retried only when it certainly created nothing
  {
    name: '429 once, with Retry-After',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 429, retryAfter: 1, times: 1 }),
    exit: 0,
    creates: 2,
  },
  {
    name: '429 every time',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 429 }),
    exit: 7,
    message: /429 Throttling\.RateQuota.*gave up after 2 attempts|429 Throttling/,
    creates: 2,
  },
  {
    name: '500',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 500 }),
    exit: 1,
    message: /500 InternalError[\s\S]*may have been created/,
    creates: 1,
  },
  {
    name: '502 HTML gateway page',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 502, html: true }),
    exit: 1,
    message: /502: the service answered HTTP 502 with a non-JSON body \(text\/html\)[\s\S]*may have been created/,
    creates: 1,
  },
  {
    name: '503',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 503 }),
    exit: 1,
    message: /503[\s\S]*may have been created/,
    creates: 1,
  },
  {
    name: '504',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'status', status: 504 }),
    exit: 1,
    message: /504[\s\S]*may have been created/,
    creates: 1,
  },
  {
    name: 'reset before the answer',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'reset' }),
    exit: 7,
    message: /create task: cannot reach[\s\S]*may have been created/,
    creates: 1,
  },
  {
    name: 'reset mid-answer',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'reset', afterBytes: 10 }),
    exit: 7,
    message: /may have been created/,
    creates: 1,
  },
  {
    name: 'answer shorter than its Content-Length',
    command: 'create',
    faults: rule({ endpoint: 'create', kind: 'short', afterBytes: 10 }),
    exit: 7,
    message: /may have been created/,
    creates: 1,
  },
  // queries: retried on 408/429/5xx and connection errors
  {
    name: '503 twice then fine',
    command: 'status',
    faults: rule({ endpoint: 'query', kind: 'status', status: 503, times: 2 }),
    exit: 0,
    env: { WAN_RETRIES: '3' },
  },
  {
    name: '502 HTML once',
    command: 'status',
    faults: rule({ endpoint: 'query', kind: 'status', status: 502, html: true, times: 1 }),
    exit: 0,
  },
  {
    name: '429 once with Retry-After',
    command: 'status',
    faults: rule({ endpoint: 'query', kind: 'status', status: 429, retryAfter: 1, times: 1 }),
    exit: 0,
  },
  { name: 'reset once', command: 'status', faults: rule({ endpoint: 'query', kind: 'reset', times: 1 }), exit: 0 },
  {
    name: '500 every time',
    command: 'status',
    faults: rule({ endpoint: 'query', kind: 'status', status: 500 }),
    exit: 7,
    message: /query task: 500 InternalError.*gave up after 2 attempts/,
  },
  {
    name: 'query 503 twice during a wait',
    command: 'wait',
    faults: rule({ endpoint: 'query', kind: 'status', status: 503, times: 2 }),
    exit: 0,
    file: 'identical',
    env: { WAN_RETRIES: '3' },
  },
  {
    name: 'list 503 once',
    command: 'list',
    faults: rule({ endpoint: 'list', kind: 'status', status: 503, times: 1 }),
    exit: 0,
  },
  {
    name: 'cancel 500 every time',
    command: 'cancel',
    faults: rule({ endpoint: 'cancel', kind: 'status', status: 500 }),
    exit: 7,
    message: /cancel task: 500/,
  },
  // the video host
  {
    name: 'download reset after 20 kB',
    command: 'download',
    faults: rule({ endpoint: 'video', kind: 'reset', afterBytes: 20_000, times: 1 }),
    exit: 0,
    file: 'identical',
  },
  {
    name: 'download body short of its length',
    command: 'download',
    faults: rule({ endpoint: 'video', kind: 'short', afterBytes: 20_000, times: 1 }),
    exit: 0,
    file: 'identical',
  },
  {
    name: 'download 503 twice',
    command: 'download',
    faults: rule({ endpoint: 'video', kind: 'status', status: 503, times: 2 }),
    exit: 0,
    file: 'identical',
    env: { WAN_RETRIES: '3' },
  },
  {
    name: 'download stalls once',
    command: 'download',
    faults: rule({ endpoint: 'video', kind: 'stall', afterBytes: 10_000, times: 1 }),
    exit: 0,
    file: 'identical',
    // The client's stall timer is real time (the socket stays silent): small, but real.
    env: { WAN_STALL_TIMEOUT: '200ms' },
  },
  {
    name: 'download resets every time',
    command: 'download',
    faults: rule({ endpoint: 'video', kind: 'reset' }),
    exit: 7,
    message: /download video: cannot reach 127\.0\.0\.1:\d+/,
    file: 'absent',
  },
  {
    name: 'download wrong checksum',
    command: 'download',
    faults: { wrongChecksum: true },
    exit: 6,
    message: /CRC-64|checksum/i,
    file: 'absent',
  },
  {
    name: 'download HTML with 200',
    command: 'download',
    faults: { htmlBody: true },
    exit: 6,
    message: /html/i,
    file: 'absent',
  },
  {
    name: 'download of an expired URL',
    command: 'download',
    faults: { expiredUrl: true },
    exit: 6,
    message: /expired/,
    file: 'absent',
  },
  {
    name: 'run through a cut download',
    command: 'run',
    faults: rule({ endpoint: 'video', kind: 'reset', afterBytes: 30_000, times: 1 }),
    exit: 0,
    file: 'identical',
    creates: 1,
  },
  {
    name: 'run with a 429 on create and a 503 on query',
    command: 'run',
    faults: [
      { endpoint: 'create', kind: 'status', status: 429, retryAfter: 1, times: 1 },
      { endpoint: 'query', kind: 'status', status: 503, times: 1 },
    ],
    exit: 0,
    file: 'identical',
    creates: 2,
  },
  {
    name: 'run against a 500 on create',
    command: 'run',
    faults: rule({ endpoint: 'create', kind: 'status', status: 500 }),
    exit: 1,
    message: /may have been created/,
    creates: 1,
    file: 'absent',
  },
  // tasks that end without a video
  ...['DataInspectionFailed', 'IPInfringementSuspect', 'InternalError', 'InternalError.Timeout'].map(
    (code): Case => ({
      name: `task FAILED with ${code}`,
      command: 'run',
      faults: { failTask: { code, message: `injected ${code}` } },
      exit: 4,
      message: new RegExp(`FAILED: ${code.replace('.', '\\.')}: injected`),
      creates: 1,
      file: 'absent',
    }),
  ),
  {
    name: 'task UNKNOWN',
    command: 'run',
    faults: { unknownTasks: true },
    exit: 4,
    message: /UNKNOWN.*older than 24 hours/,
    creates: 1,
    file: 'absent',
  },
  {
    name: 'a server clock 90 s ahead',
    command: 'run',
    faults: { clockOffsetMs: 90_000 },
    exit: 0,
    file: 'identical',
    creates: 1,
  },
];

describe('fault matrix', () => {
  it.each(cases.map((c) => [`${c.command}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    const work = path.join(fx.dir, `case-${++n}`);
    mkdirSync(work);
    const id = ['status', 'wait', 'download', 'cancel'].includes(c.command) ? await readyTask() : undefined;
    fx.sandbox.setFaults(Array.isArray(c.faults) ? { rules: c.faults } : c.faults);
    const before = fx.sandbox.requests.length;
    const out = path.join(work, 'out.mp4');
    const args: Record<Command, string[]> = {
      create: CREATE_ARGS,
      status: ['status', id ?? ''],
      wait: ['wait', id ?? '', '-o', out, '--interval', '1s'],
      download: ['download', id ?? '', '-o', out],
      run: ['run', ...CREATE_ARGS.slice(1), '-o', out, '--interval', '1s'],
      list: ['list'],
      cancel: ['cancel', id ?? ''],
    };
    const r = await runWan(args[c.command], {
      clock: fx.clock,
      cwd: work,
      env: {
        DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
        DASHSCOPE_API_KEY: KEY,
        HOME: work,
        WAN_RETRIES: '2',
        ...c.env,
      },
    });
    const requests = fx.sandbox.requests.slice(before);

    expect(r.code, r.stderr).toBe(c.exit);
    if (c.message) expect(r.stderr).toMatch(c.message);
    if (c.exit !== 0) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    if (c.creates !== undefined)
      expect(requests.filter((q) => q.method === 'POST' && q.path.endsWith('/video-synthesis'))).toHaveLength(
        c.creates,
      );
    const taskId = id ?? /task (\S+) created/.exec(r.stderr)?.[1];
    if (c.file === 'identical') expect(readFileSync(out).equals(await fx.sandbox.videoFor(taskId!))).toBe(true);
    if (c.file === 'absent') expect(existsSync(out)).toBe(false);
    // Only a resumable .part (and its .part.json) may stay behind, never a partial video under the real name.
    expect(readdirSync(work).filter((f) => !/\.part(\.json)?$|^out\.mp4(\.json)?$|^\.local$/.test(f))).toEqual([]);
    expect(requests.filter((q) => q.listener === 'video').every((q) => !q.hasAuthorization)).toBe(true);
    // Nothing wan wrote (video, sidecar, .part, journal under HOME) holds the key.
    for (const file of filesUnder(work)) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});
