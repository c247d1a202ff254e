import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runWan } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

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
/** wan in-process against the fixture, on its clock: waits and polls end at once. */
const wan = (args: string[], extra?: Record<string, string>) =>
  runWan(args, { env: env(extra), cwd: work, clock: fx.clock });

/**
 * Tasks of one prompt and seed (also batch's first line): the sandbox encodes their video once per
 * machine and serves it from the shared cache, instead of a fresh encode (seconds) for every case.
 */
async function createTask(prompt = 'a heron in the reeds'): Promise<string> {
  const r = await wan(['create', prompt, '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100']);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

function leftovers(): string[] {
  return readdirSync(work).filter((f) => f.endsWith('.part') || f.endsWith('.part.json'));
}

describe('wan run / wait / download: the happy path', () => {
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

  it('run --json prints the task, the file and the cost estimate', async () => {
    const r = await wan([
      'run',
      'a heron in the reeds',
      '-m',
      'wan2.2-t2v-plus',
      '-s',
      '832*480',
      '--seed',
      '100',
      '-o',
      'j.mp4',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      task_status: 'SUCCEEDED',
      file: path.join(work, 'j.mp4'),
      estimated_cost: { amount: 0.7, currency: 'CNY' },
    });
    // With stdout reserved for JSON, the task is still named on stderr the moment it exists, so a
    // CI log always shows which task to resume (issue 15).
    const id = (JSON.parse(r.stdout) as { task_id: string }).task_id;
    expect(r.stderr).toBe(`task ${id} created (wan2.2-t2v-plus, 832*480 (480P), 5s, about 0.70 CNY)\n`);
    const quiet = await wan([
      'run',
      'a heron in the reeds',
      '-m',
      'wan2.2-t2v-plus',
      '-s',
      '832x480',
      '--seed',
      '100',
      '-o',
      'k.mp4',
      '--json',
      '-q',
    ]);
    expect(quiet.stderr).toBe('');
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

  it('wait for several tasks into --output-dir (created), one line per file', async () => {
    const ids = [await createTask(), await createTask()];
    const r = await wan(['wait', ...ids, '--output-dir', 'videos']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(ids.map((id) => path.join(work, 'videos', `${id}.mp4`)).sort());
    for (const id of ids) expect(r.stderr).toMatch(new RegExp(`task ${id}: SUCCEEDED`));
  });

  it('a re-run after success finds the video already saved and changes nothing; a changed file is refused', async () => {
    const id = await createTask();
    const first = await wan(['wait', id, '-o', 'twice.mp4']);
    expect(first.code).toBe(0);
    const gets = fx.videoRequests().length;
    const again = await wan(['wait', id, '-o', 'twice.mp4']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(path.join(work, 'twice.mp4'));
    expect(again.stderr).toMatch(/already saved as .*twice\.mp4.*nothing to do/);
    expect((await wan(['download', id, '-o', 'twice.mp4'])).code).toBe(0);
    expect(fx.videoRequests().length).toBe(gets);
    writeFileSync(path.join(work, 'twice.mp4'), 'edited by hand');
    const changed = await wan(['wait', id, '-o', 'twice.mp4']);
    expect(changed.code).toBe(6);
    expect(readFileSync(path.join(work, 'twice.mp4'), 'utf8')).toBe('edited by hand');
  });

  it('--no-download prints the video URL', async () => {
    const id = await createTask();
    const r = await wan(['wait', id, '--no-download']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*Expires=/);
    expect(readdirSync(work)).toEqual([]);
  });

  it('download by task id and by URL', async () => {
    const id = await createTask();
    const byId = await wan(['download', id]);
    expect(byId.code).toBe(0);
    expect(byId.stdout.trim()).toBe(path.join(work, `${id}.mp4`));
    const status = await wan(['status', id, '--json']);
    const url = (JSON.parse(status.stdout) as { video_url: string }).video_url;
    const byUrl = await wan(['download', url, '-o', 'copy.mp4', '--no-sidecar']);
    expect(byUrl.code).toBe(0);
    expect(readFileSync(path.join(work, 'copy.mp4')).equals(readFileSync(path.join(work, `${id}.mp4`)))).toBe(true);
    expect(existsSync(path.join(work, 'copy.mp4.json'))).toBe(false);
  });
});

describe('every download is safe', () => {
  it('a download cut midway is resumed with Range and only the missing bytes are fetched', async () => {
    const id = await createTask();
    fx.sandbox.setFaults({ cutAfterBytes: 50_000, cutTimes: 1 });
    const before = fx.videoRequests().length;
    const r = await wan(['download', id, '-o', 'cut.mp4']);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(work, 'cut.mp4')).equals(await fx.sandbox.videoFor(id))).toBe(true);
    const gets = fx
      .videoRequests()
      .slice(before)
      .filter((q) => q.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers.range).toMatch(/^bytes=(\d+)-$/);
    expect(Number(/bytes=(\d+)-/.exec(gets[1]!.headers.range!)![1])).toBeGreaterThan(0);
    expect(leftovers()).toEqual([]);
  });

  it('a leftover .part from an earlier run is resumed by a re-run', async () => {
    const id = await createTask();
    const video = await fx.sandbox.videoFor(id);
    // 32 KiB: a whole number of 4 KiB blocks, so a resume written with O_DIRECT starts right there too.
    writeFileSync(path.join(work, 'again.mp4.part'), video.subarray(0, 32_768));
    const before = fx.videoRequests().length;
    const r = await wan(['download', id, '-o', 'again.mp4']);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(work, 'again.mp4')).equals(video)).toBe(true);
    const get = fx
      .videoRequests()
      .slice(before)
      .find((q) => q.method === 'GET')!;
    expect(get.headers.range).toBe('bytes=32768-');
  });

  it('an expired URL: exit 6, says when and why, and no video request is made', async () => {
    fx.sandbox.setFaults({ expiredUrl: true });
    const id = await createTask();
    const before = fx.videoRequests().length;
    const r = await wan(['download', id, '-o', 'late.mp4']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/expired/);
    expect(r.stderr).toMatch(/24 hours/);
    expect(fx.videoRequests().length).toBe(before);
    expect(readdirSync(work)).toEqual([]);
  });

  it('an existing file is left untouched without --force, replaced with it', async () => {
    const id = await createTask();
    writeFileSync(path.join(work, 'keep.mp4'), 'precious');
    const r = await wan(['download', id, '-o', 'keep.mp4']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/already exists[\s\S]*--force/);
    expect(readFileSync(path.join(work, 'keep.mp4'), 'utf8')).toBe('precious');
    const forced = await wan(['download', id, '-o', 'keep.mp4', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(work, 'keep.mp4')).equals(await fx.sandbox.videoFor(id))).toBe(true);
  });

  it('an HTML page with status 200 is never saved as a video', async () => {
    const id = await createTask();
    fx.sandbox.setFaults({ htmlBody: true });
    const r = await wan(['download', id, '-o', 'page.mp4']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/text\/html|not an MP4|MP4/i);
    expect(existsSync(path.join(work, 'page.mp4'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('a wrong checksum: exit 6, nothing saved', async () => {
    const id = await createTask();
    fx.sandbox.setFaults({ wrongChecksum: true });
    const r = await wan(['download', id, '-o', 'bad.mp4']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/checksum|crc/i);
    expect(existsSync(path.join(work, 'bad.mp4'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('missing parent directories of -o are created, as for --output-dir (issue 15)', async () => {
    const id = await createTask();
    const r = await wan(['wait', id, '-o', 'no/such/dir/out.mp4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(work, 'no/such/dir/out.mp4'));
    expect(existsSync(path.join(work, 'no/such/dir/out.mp4'))).toBe(true);
  });

  it('-o dir/ (a trailing slash) names a directory: the video is saved in it as <task_id>.mp4', async () => {
    const id = await createTask();
    const r = await wan(['download', id, '-o', 'newdir/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(work, 'newdir', `${id}.mp4`));
  });

  it('-o that is a directory is refused', async () => {
    const id = await createTask();
    const r = await wan(['download', id, '-o', '.']);
    expect(r.code).toBe(2);
  });
});

describe('tasks that end without a video', () => {
  it('FAILED: exit 4 with the code and message', async () => {
    fx.sandbox.setFaults({
      failTask: { code: 'DataInspectionFailed', message: 'Output data may contain inappropriate content.' },
    });
    const id = await createTask();
    const r = await wan(['wait', id, '-o', 'x.mp4']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      new RegExp(`task ${id} FAILED: DataInspectionFailed: Output data may contain inappropriate content`),
    );
    expect(existsSync(path.join(work, 'x.mp4'))).toBe(false);
  });

  it('UNKNOWN: exit 4, explained', async () => {
    const r = await wan(['wait', '00000000-0000-4000-8000-000000000000', '--json']);
    expect(r.code).toBe(4);
    const { error } = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      code: 'task_unknown',
      task_id: '00000000-0000-4000-8000-000000000000',
      exit_code: 4,
    });
    expect(String(error.message)).toMatch(/older than 24 hours/);
  });

  it('download of a task that is still running: exit 4 and how to wait', async () => {
    const slow = await sandboxFixture({ pendingMs: 0, runningMs: 3_600_000 });
    try {
      const e = { ...env(), DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl };
      const id = (await runWan(['create', 'slow'], { env: e, cwd: work, clock: slow.clock })).stdout.trim();
      const r = await runWan(['download', id], { env: e, cwd: work, clock: slow.clock });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(new RegExp(`still RUNNING.*wan wait ${id}`));
    } finally {
      await slow.close();
    }
  });

  it('several tasks: each is reported and the exit code is the worst', async () => {
    const good = await createTask();
    const r = await wan(['wait', good, '00000000-0000-4000-8000-000000000001', '--output-dir', 'v']);
    expect(r.code).toBe(4);
    expect(r.stdout.trim()).toBe(path.join(work, 'v', `${good}.mp4`));
    expect(r.stderr).toMatch(/00000000-0000-4000-8000-000000000001 is UNKNOWN/);
  });
});

describe('waiting that does not end in time', () => {
  let slow: SandboxFixture;
  beforeAll(async () => {
    slow = await sandboxFixture({ pendingMs: 0, runningMs: 3_600_000 });
  });
  afterAll(async () => slow.close());
  const slowEnv = () => ({ ...env(), DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl });

  it('timeout: exit 5, still RUNNING, how to resume, task not cancelled', async () => {
    const id = (await runWan(['create', 'slow'], { env: slowEnv(), cwd: work, clock: slow.clock })).stdout.trim();
    const r = await runWan(['wait', id, '--timeout', '1s', '--interval', '1s'], {
      env: slowEnv(),
      cwd: work,
      clock: slow.clock,
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`task ${id} is still RUNNING after 1s; it was not cancelled`));
    expect(r.stderr).toMatch(new RegExp(`hint: resume with: wan wait ${id};`));
    expect(slow.sandbox.requests.some((q) => q.path.endsWith('/cancel'))).toBe(false);
  });

  // The real SIGINT to the binary is in test/e2e (wait-download, interrupt); here the IO's signal fires as it would.
  it('Ctrl-C during a wait: exit 130, the task keeps running, how to resume', async () => {
    const id = (await runWan(['create', 'slow'], { env: slowEnv(), cwd: work, clock: slow.clock })).stdout.trim();
    const r = await runWan(['wait', id, '-o', 'never.mp4'], {
      env: slowEnv(),
      cwd: work,
      clock: slow.clock,
      interrupt: (out) => out.stderr.includes('RUNNING'),
    });
    expect(r.code).toBe(130);
    // The hint, pasted as it is, finishes the job where the user asked: -o included (issue 14).
    expect(r.stderr).toMatch(
      new RegExp(
        `task ${id} keeps running \\(it is paid for\\); resume with: wan wait ${id} -o ${path.join(work, 'never.mp4')}`,
      ),
    );
    expect(existsSync(path.join(work, 'never.mp4'))).toBe(false);
    expect(slow.sandbox.requests.some((q) => q.path.endsWith('/cancel'))).toBe(false);
  });

  it('--cancel-on-interrupt: Ctrl-C cancels a task that is still PENDING', async () => {
    const queued = await sandboxFixture({ pendingMs: 3_600_000 });
    try {
      const e = { ...env(), DASHSCOPE_HTTP_BASE_URL: queued.sandbox.baseUrl };
      const id = (await runWan(['create', 'queued'], { env: e, cwd: work, clock: queued.clock })).stdout.trim();
      const r = await runWan(['wait', id, '--cancel-on-interrupt'], {
        env: e,
        cwd: work,
        clock: queued.clock,
        interrupt: (out) => out.stderr.includes('PENDING'),
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

describe('output files', () => {
  it('the saved video is a real MP4 with the task size', async () => {
    const id = await createTask();
    const r = await wan(['download', id, '-o', 'check.mp4']);
    expect(r.code).toBe(0);
    const file = readFileSync(path.join(work, 'check.mp4'));
    expect(file.includes(Buffer.from('avc1'))).toBe(true);
    expect(statSync(path.join(work, 'check.mp4')).size).toBeGreaterThan(10_000);
  });
});

describe('GitHub Actions', () => {
  it('writes step outputs, a summary, and ::error:: annotations', async () => {
    const outputs = path.join(work, 'gh-output');
    const summary = path.join(work, 'gh-summary');
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary };
    const id = await createTask();
    const ok = await wan(['wait', id, '-o', 'gh.mp4'], gh);
    expect(ok.code).toBe(0);
    const sha = createHash('sha256')
      .update(readFileSync(path.join(work, 'gh.mp4')))
      .digest('hex');
    const file = path.join(work, 'gh.mp4');
    const tasks = JSON.stringify([{ task_id: id, file, sha256: sha, error: null }]);
    expect(readFileSync(outputs, 'utf8')).toBe(`tasks=${tasks}\ntask_id=${id}\nfile=${file}\nsha256=${sha}\n`);
    fx.sandbox.setFaults({ failTask: { code: 'InternalError', message: 'boom' } });
    const failed = await createTask();
    const bad = await wan(['wait', failed, '-o', 'gh2.mp4'], gh);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(
      new RegExp(`^::error title=wan: task ${failed}::InternalError: task ${failed} FAILED: InternalError: boom$`, 'm'),
    );
    const table = readFileSync(summary, 'utf8');
    expect(table).toMatch(/\| task \| result \| details \|/);
    expect(table).toMatch(new RegExp(`\\| \`${id}\` \\| ✅ saved`));
    expect(table).toMatch(new RegExp(`\\| \`${failed}\` \\| ❌ InternalError`));
  });
});

describe('polling economy', () => {
  it('waiting on several tasks uses one list request per interval, and one query per task only when it ends', async () => {
    // Every task is still RUNNING at the first look: the wait's sleeps are what move the time on.
    const live = await sandboxFixture({ pendingMs: 0, runningMs: 4000 });
    try {
      const e = { ...env(), DASHSCOPE_HTTP_BASE_URL: live.sandbox.baseUrl };
      const created = await Promise.all(
        Array.from({ length: 4 }, () =>
          runWan(['create', 'economy', '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '11'], {
            env: e,
            cwd: work,
            clock: live.clock,
          }),
        ),
      );
      const ids = created.map((c) => c.stdout.trim());
      const before = live.sandbox.requests.length;
      const r = await runWan(['wait', ...ids, '--no-download', '--interval', '1s'], {
        env: e,
        cwd: work,
        clock: live.clock,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(4);
      const api = live.sandbox.requests.slice(before).filter((q) => q.listener === 'api');
      const queries = api.filter((q) => /\/tasks\/[^/]+$/.test(q.path));
      const lists = api.filter((q) => /\/tasks\/?$/.test(q.path));
      expect(queries).toHaveLength(4);
      expect(lists.length).toBeGreaterThanOrEqual(2);
      for (const id of ids) expect(r.stderr).toMatch(new RegExp(`task ${id}: RUNNING`));
    } finally {
      await live.close();
    }
  });
});
