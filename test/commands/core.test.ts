import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../src/api/catalogue.js';
import { runWan, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

const KEY = 'sk-test-SECRET-e2e-0123456789abcdef';
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await sandboxFixture({ pendingMs: 60_000, runningMs: 60_000 });
});
afterAll(async () => fx.close());

/** wan in-process against the fixture, on its clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock: fx.clock, ...opts });

function env(extra: Record<string, string | undefined> = {}) {
  return { DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl, DASHSCOPE_API_KEY: KEY, HOME: fx.dir, ...extra };
}

function noLeak(...texts: string[]) {
  for (const text of texts) expect(text).not.toContain(KEY);
}

describe('wan create / status against the sandbox', () => {
  it('prints the task id alone on stdout, and status follows it through its life', async () => {
    const created = await wan(['create', 'a red panda surfing', '--size', '832x480', '--duration', '10'], {
      env: env(),
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const pending = await wan(['status', id], { env: env() });
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(new RegExp(`^${id}  PENDING · submitted \\d{4}-\\d\\d-\\d\\d`));

    fx.clock.advance(60_001);
    const running = await wan(['status', id, '--json'], { env: env() });
    expect(JSON.parse(running.stdout)).toMatchObject({ task_id: id, task_status: 'RUNNING' });

    fx.clock.advance(60_000);
    const done = await wan(['status', id, '--json'], { env: env() });
    const task = JSON.parse(done.stdout) as Record<string, unknown>;
    expect(task).toMatchObject({
      task_id: id,
      task_status: 'SUCCEEDED',
      orig_prompt: 'a red panda surfing',
      usage: { video_duration: 10, video_ratio: '832*480', video_count: 1 },
    });
    expect(typeof task.request_id).toBe('string');
    expect(String(task.video_url)).toMatch(/Expires=\d+&OSSAccessKeyId=.+&Signature=/);
    noLeak(created.stdout, created.stderr, pending.stdout, done.stdout, done.stderr);
  });

  it('--json create prints the whole request and answer', async () => {
    const r = await wan(
      ['create', 'a cat', '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '42', '--no-prompt-extend', '--json'],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      task_status: 'PENDING',
      model: 'wan2.2-t2v-plus',
      input: { prompt: 'a cat' },
      parameters: { size: '832*480', seed: 42, prompt_extend: false },
    });
  });

  it('sends the documented headers and only the fields that were set', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', 'a fox', '-m', 'wan2.7-t2v', '--resolution', '720P', '--ratio', '9:16'], {
      env: env({ WAN_WORKSPACE: 'llm-ws1' }),
    });
    expect(r.code).toBe(0);
    const [req] = fx.sandbox.requests.slice(before);
    expect(req).toMatchObject({
      listener: 'api',
      method: 'POST',
      path: '/api/v1/services/aigc/video-generation/video-synthesis',
      hasAuthorization: true,
    });
    expect(req!.headers['x-dashscope-async']).toBe('enable');
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    expect(req!.headers['x-dashscope-workspace']).toBe('llm-ws1');
    expect(req!.headers.authorization).toBe('Bearer ***');
  });

  it('--dry-run prints the request with the key redacted and sends nothing', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', 'a cat', '--dry-run', '--json'], { env: env() });
    expect(r.code).toBe(0);
    expect(fx.sandbox.requests.length).toBe(before);
    const dry = JSON.parse(r.stdout) as { method: string; url: string; headers: Record<string, string>; body: unknown };
    expect(dry).toMatchObject({
      method: 'POST',
      url: `${fx.sandbox.baseUrl}/services/aigc/video-generation/video-synthesis`,
      body: { model: 'wan2.5-t2v-preview', input: { prompt: 'a cat' }, parameters: {} },
    });
    expect(dry.headers.authorization).toBe('Bearer ***');
    noLeak(r.stdout, r.stderr);
  });

  it('status of an unknown id says UNKNOWN (exit 0: the query worked)', async () => {
    const r = await wan(['status', '00000000-0000-0000-0000-000000000000'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/UNKNOWN · unknown id, or older than 24 hours/);
  });

  it('--debug shows the exchange with the key redacted', async () => {
    const r = await wan(['--debug', 'status', '00000000-0000-0000-0000-000000000001'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/> GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tasks\/00000000-0000-0000-0000-000000000001/);
    expect(r.stderr).toMatch(/> authorization: Bearer \*\*\*/);
    expect(r.stderr).toMatch(/< 200 query task/);
    noLeak(r.stdout, r.stderr);
  });
});

describe('bad input exits 2 and sends nothing', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'unknown model',
      ['create', 'x', '-m', 'wan9-t2v'],
      /--model: "wan9-t2v" is not a known model; allowed: wan2.6-t2v, wan2.5-t2v-preview/,
    ],
    [
      'size not allowed',
      ['create', 'x', '-m', 'wanx2.1-t2v-plus', '-s', '832*480'],
      /--size: wanx2.1-t2v-plus does not make 832\*480; allowed: 1280\*720/,
    ],
    [
      'size with capital X',
      ['create', 'x', '-s', '832X480', '--duration', '7'],
      /--duration: wan2.5-t2v-preview makes videos of 5 or 10 seconds; got 7/,
    ],
    ['size with a space', ['create', 'x', '-s', '1920*1080 '], /--size/],
    [
      'resolution the model lacks',
      ['create', 'x', '-m', 'wan2.2-t2v-plus', '--resolution', '720P'],
      /--resolution: wan2.2-t2v-plus has no 720P/,
    ],
    ['resolution not a tier', ['create', 'x', '--resolution', '4K'], /--resolution.*480P, 720P, 1080P/],
    ['duration not allowed', ['create', 'x', '-d', '7'], /--duration: .*5 or 10/],
    ['duration not a number', ['create', 'x', '-d', 'five'], /--duration/],
    ['negative seed', ['create', 'x', '--seed', '-5'], /--seed/],
    ['seed too large', ['create', 'x', '--seed', '2147483648'], /--seed/],
    ['empty prompt', ['create', '  '], /prompt: the prompt is empty/],
    ['no prompt', ['create'], /missing prompt/],
    [
      'audio on a silent model',
      ['create', 'x', '-m', 'wan2.2-t2v-plus', '--audio-url', 'https://a/b.mp3'],
      /--audio: .*silent/,
    ],
    [
      'model not in region',
      ['--region', 'virginia', 'create', 'x', '-m', 'wan2.2-t2v-plus'],
      /--model: wan2.2-t2v-plus is not offered in virginia/,
    ],
    ['bad region', ['--region', 'mars', 'create', 'x'], /region/],
    [
      'unknown option',
      ['create', 'x', '--sise', '832*480'],
      /^error: unknown option '--sise' \(did you mean --size\?\)\n$/,
    ],
    ['unknown command', ['crate', 'x'], /unknown command 'crate'/],
    ['task id with a path', ['status', '../x'], /task id: "..\/x" is not a task id/],
    ['task id with encoded slash', ['status', 'a%2Fb'], /is not a task id/],
    ['task id with a space', ['status', 'a b'], /is not a task id/],
    ['task id of 10 KB', ['status', 'a'.repeat(10_000)], /is not a task id/],
    ['shot type on wan2.5', ['create', 'x', '--shot-type', 'multi'], /--shot-type/],
    ['shot type not a choice', ['create', 'x', '--shot-type', 'triple'], /shot-type/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const before = fx.sandbox.requests.length;
    const r = await wan(args, { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.stdout).toBe('');
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('bad input with --json is one JSON error line', async () => {
    const r = await wan(['create', 'x', '-d', '7', '--json'], { env: env() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({
      error: expect.objectContaining({ code: 'invalid_input', exit_code: 2, task_id: null }),
    });
  });

  it('an over-long prompt is sent with a warning (the service truncates)', async () => {
    const r = await wan(['create', 'x'.repeat(1600)], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the prompt has 1600 characters; the service keeps the first 1500/);
  });

  it('prompt files: missing, a directory, empty, binary, too large', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wan-prompt-'));
    writeFileSync(path.join(dir, 'empty.txt'), '\n');
    writeFileSync(path.join(dir, 'bin.txt'), Buffer.from([1, 0, 2]));
    writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(10 * 1024 * 1024));
    mkdirSync(path.join(dir, 'sub'));
    for (const [file, message] of [
      ['missing.txt', /does not exist/],
      ['sub', /is a directory/],
      ['empty.txt', /is empty/],
      ['bin.txt', /binary/],
      ['big.txt', /at most 100 KiB/],
    ] as const) {
      const before = fx.sandbox.requests.length;
      const r = await wan(['create', '--prompt-file', file], { env: env(), cwd: dir });
      expect(r.code, file).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(fx.sandbox.requests.length).toBe(before);
    }
  });

  it('reads the prompt from stdin with --prompt-file -', async () => {
    const r = await wan(['create', '--prompt-file', '-', '--json'], { env: env(), stdin: 'a heron at dawn\n' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: { prompt: 'a heron at dawn' } });
  });
});

describe('authentication', () => {
  it('no key: exit 3, nothing sent, and where to put one', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', 'a cat'], { env: env({ DASHSCOPE_API_KEY: undefined }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no API key found: set DASHSCOPE_API_KEY/);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('a rejected key: exit 3 with the service code and request id, key never shown', async () => {
    const strict = await sandboxFixture({ apiKey: 'sk-the-right-one' });
    try {
      const r = await wan(['create', 'a cat', '--json'], {
        env: { ...env(), DASHSCOPE_HTTP_BASE_URL: strict.sandbox.baseUrl },
      });
      expect(r.code).toBe(3);
      const { error } = JSON.parse(r.stderr) as { error: Record<string, unknown> };
      expect(error).toMatchObject({ code: 'InvalidApiKey', exit_code: 3 });
      expect(error.request_id).toEqual(expect.any(String));
      noLeak(r.stdout, r.stderr);
    } finally {
      await strict.close();
    }
  });
});

describe('wan models', () => {
  it('--json is the catalogue', async () => {
    const r = await wan(['models', '--json']);
    expect(r.code).toBe(0);
    const models = JSON.parse(r.stdout) as Array<{ id: string; sizes: string[]; durations: number[] }>;
    expect(models.map((m) => m.id)).toEqual(MODELS.map((m) => m.id));
    const wan25 = models.find((m) => m.id === 'wan2.5-t2v-preview')!;
    expect(wan25.sizes).toHaveLength(13);
    expect(wan25.durations).toEqual([5, 10]);
  });

  it('--region filters and shows the regional ids', async () => {
    const r = await wan(['--region', 'singapore', 'models']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wan2\.1-t2v-turbo /m);
    expect(r.stdout).not.toMatch(/^wanx2\.1-t2v-turbo /m);
    const us = await wan(['--region', 'virginia', 'models', '--json']);
    expect((JSON.parse(us.stdout) as Array<{ id: string }>).map((m) => m.id)).toEqual([
      'wan2.6-t2v',
      'wan2.6-i2v',
      'wan2.6-r2v',
    ]);
  });

  it('prints a table with no colour when not on a TTY', async () => {
    const r = await wan(['models'], { env: { NO_COLOR: undefined } });
    expect(r.stdout).toMatch(/^MODEL\s+MODES\s+SIZES\s+DURATION/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });
});

describe('--sandbox', () => {
  it('create in one process, status in another, with no key and no network', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'wan-state-'));
    const sandboxEnv = { WAN_STATE_DIR: state, WAN_SANDBOX_PENDING: '0s', WAN_SANDBOX_RUNNING: '0s', HOME: state };
    const created = await wan(['--sandbox', 'create', 'a paper boat', '-s', '832*480'], { env: sandboxEnv });
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    const status = await wan(['--sandbox', 'status', id, '--json'], { env: sandboxEnv });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ task_id: id, task_status: 'SUCCEEDED' });
  });
});
