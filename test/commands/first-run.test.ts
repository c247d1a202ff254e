import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/api/version.js';
import { runWan, show, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/** Issue 15: the first run works as the README says, on any terminal, as a newcomer types. */
const KEY = 'sk-test-first-run-0123456789abcdef';
const SHAPE = ['-m', 'wan2.2-t2v-plus', '-s', '832x480', '--seed', '100'];
let fx: SandboxFixture;
let work: string;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());
beforeEach(() => {
  work = path.join(fx.dir, `case-${++n}`);
  mkdirSync(work);
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
  ...extra,
});
const wan = (args: string[], opts: WanOptions = {}) =>
  runWan(args, { clock: fx.clock, cwd: work, env: env(), ...opts });
const ESC = '\u001b[';

describe('terminals', () => {
  it.each([
    ['0×0 (script without a terminal, ssh -tt)', 0],
    ['10 columns', 10],
  ])('on a terminal of %s: plain lines, and the run finishes', async (_name, columns) => {
    const r = await wan(['run', 'a heron in the reeds', ...SHAPE, '-o', 'tiny.mp4'], {
      stderrTTY: true,
      stderrColumns: columns,
      env: env({ CI: undefined }),
    });
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).toMatch(/^task \S+: SUCCEEDED$/m);
  });

  it('on a real terminal the spinner animates; NO_COLOR and --no-color leave it without colour', async () => {
    for (const [flags, extra] of [
      [[], { NO_COLOR: '1' }],
      [['--no-color'], { NO_COLOR: undefined, FORCE_COLOR: '3' }],
    ] as const) {
      const r = await wan([...flags, 'run', 'a heron in the reeds', ...SHAPE, '--force', '-o', 'tty.mp4'], {
        stderrTTY: true,
        stderrColumns: 100,
        env: env({ CI: undefined, ...extra }),
      });
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain(ESC); // the spinner's redraws
      expect(r.stderr).not.toMatch(/\u001b\[(3\d|9\d|1)m/);
    }
  });

  it('--no-color removes every colour too, FORCE_COLOR=1 off a terminal forces it', async () => {
    const off = await wan(['--no-color', 'status', '3f1c9a2e-0000-4000-8000-00000000abcd'], {
      stdoutTTY: true,
      env: env({ NO_COLOR: undefined, FORCE_COLOR: '1' }),
    });
    expect(off.stdout).not.toContain(ESC);
    const forced = await wan(['status', '3f1c9a2e-0000-4000-8000-00000000abcd'], {
      env: env({ NO_COLOR: undefined, FORCE_COLOR: '1' }),
    });
    expect(forced.stdout).toContain(`${ESC}31m`);
  });
});

describe('the prompt from stdin', () => {
  it('echo "a prompt" | wan create: stdin holds the prompt when it is not a terminal', async () => {
    const r = await wan(['create', ...SHAPE, '--json'], { stdin: 'a lighthouse in a storm\n' });
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: { prompt: 'a lighthouse in a storm' } });
  });

  it('wan run - reads it too', async () => {
    const r = await wan(['run', '-', ...SHAPE, '-o', 'stdin.mp4'], { stdin: 'a heron in the reeds' });
    expect(r.code, show(r)).toBe(0);
  });

  it('nothing on stdin: the missing-prompt error, naming the command', async () => {
    const create = await wan(['create']);
    expect(create.code).toBe(2);
    expect(create.stderr).toMatch(/missing prompt: wan create "a prompt"/);
    const run = await wan(['run', '-o', 'x.mp4']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing prompt: wan run "a prompt"/);
  });
});

describe('what a newcomer types', () => {
  it('an unquoted size the shell turned into a file name says to quote it', async () => {
    writeFileSync(path.join(work, '832-old-480'), '');
    const r = await wan(['create', 'x', '--size', '832-old-480']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size: "832-old-480" is a file name, not a size: .*quote it: --size '832\*480'/);
  });

  it('--resolution takes any case and sends the service its own', async () => {
    const r = await wan(['create', 'x', '-m', 'wan2.7-t2v', '--resolution', '720p', '--dry-run', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ body: { parameters: { resolution: '720P' } } });
    expect((await wan(['create', 'x', '--resolution', '4k'])).stderr).toMatch(/480P, 720P, 1080P/);
  });

  it.each([
    [['status'], /wan status <task-id> \(see wan status --help\)/],
    [['download'], /wan download <task-id \| video-url> \(see wan download --help\)/],
    [['wait'], /see wan wait --help/],
  ])('%j with no argument points to its own help', async (args, message) => {
    const r = await wan(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('wan help <nonsense> is exit 2 with a suggestion, as an unknown command is', async () => {
    const r = await wan(['help', 'wiat']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no command or help topic "wiat" \(did you mean wait\?\)/);
  });

  it('wan help config lists every key of the config schema', async () => {
    const r = await wan(['help', 'config']);
    const { PROFILE_KEYS } = await import('../../src/config/schema.js');
    for (const key of PROFILE_KEYS) expect(r.stdout).toMatch(new RegExp(`^  ${key} `, 'm'));
  });

  it('wan --version --json', async () => {
    const r = await wan(['--version', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ version: VERSION });
  });
});

describe('times, the same way everywhere', () => {
  it('status and list show times in UTC with the zone', async () => {
    const id = (await wan(['create', 'x', ...SHAPE])).stdout.trim();
    const status = await wan(['status', id]);
    expect(status.stdout).toMatch(/submitted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const list = await wan(['list']);
    expect(list.stdout).toMatch(new RegExp(`${id} .* \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`));
  });
});

describe('GitHub Actions outputs', () => {
  it('several tasks: one tasks JSON array and no duplicate keys', async () => {
    const outputs = path.join(work, 'gh-output');
    const ids = [
      (await wan(['create', 'a', ...SHAPE])).stdout.trim(),
      (await wan(['create', 'b', ...SHAPE])).stdout.trim(),
    ];
    const r = await wan(['wait', ...ids, '--output-dir', 'v'], {
      env: env({ GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs }),
    });
    expect(r.code, show(r)).toBe(0);
    const lines = readFileSync(outputs, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split('=')[0])).toEqual(['tasks']);
    const tasks = JSON.parse(lines[0]!.slice('tasks='.length)) as { task_id: string }[];
    expect(tasks.map((t) => t.task_id).sort()).toEqual([...ids].sort());
  });
});

describe('--sandbox across processes', () => {
  it('a video URL from an earlier --sandbox process downloads in a later one', async () => {
    const e = env({ DASHSCOPE_HTTP_BASE_URL: undefined });
    const id = (await wan(['--sandbox', 'create', 'a heron in the reeds', ...SHAPE], { env: e })).stdout.trim();
    const waited = await wan(['--sandbox', 'wait', id, '--no-download'], { env: e });
    expect(waited.code, show(waited)).toBe(0);
    const url = waited.stdout.trim();
    const r = await wan(['--sandbox', 'download', url, '-o', 'later.mp4'], { env: e });
    expect(r.code, show(r)).toBe(0);
    expect(readFileSync(path.join(work, 'later.mp4')).length).toBeGreaterThan(10_000);
  });
});

describe('run', () => {
  it('-o into missing directories creates them (run, batch)', async () => {
    const r = await wan(['run', 'a heron in the reeds', ...SHAPE, '-o', 'a/b/c.mp4']);
    expect(r.code, show(r)).toBe(0);
    writeFileSync(path.join(work, 'b.jsonl'), '{"prompt":"a heron in the reeds","output":"deep/er/x.mp4"}\n');
    const b = await wan(['batch', 'b.jsonl', ...SHAPE, '--yes']);
    expect(b.code, show(b)).toBe(0);
    expect(readFileSync(path.join(work, 'deep/er/x.mp4')).length).toBeGreaterThan(10_000);
  });
});
