import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestHash } from '../../src/journal/request-hash.js';
import { main } from '../../src/main.js';
import { startGateway } from '../helpers/gateway.js';
import { runWan, show, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';
import { testIO } from '../helpers/test-io.js';

/** Issue 14: never save a wrong video, never pay twice — as users really run wan. */
const KEY = 'sk-test-promises-0123456789abcdef';
const PROMPT = 'a heron in the reeds';
const SHAPE = ['-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100'];
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

const env = (extra: Record<string, string | undefined> = {}) => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
  ...extra,
});
const wan = (args: string[], opts: WanOptions = {}) =>
  runWan(args, { clock: fx.clock, cwd: work, env: env(), ...opts });
const creates = () => fx.apiRequests().filter((q) => q.method === 'POST' && q.path.endsWith('/video-synthesis'));
const journal = () =>
  readFileSync(path.join(work, 'state', 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A task made by another client of the same account: through the API, with no journal of ours. */
async function strangerTask(prompt: string): Promise<string> {
  const res = await fetch(`${fx.sandbox.baseUrl}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
    body: JSON.stringify({ model: 'wan2.2-t2v-plus', input: { prompt }, parameters: { size: '832*480', seed: 7 } }),
  });
  return ((await res.json()) as { output: { task_id: string } }).output.task_id;
}

describe('idempotency: a key is one request', () => {
  it("a create that failed without making a task never adopts another client's task", async () => {
    // The answer is a 502: ambiguous, so the intent stays open (the task may exist).
    fx.sandbox.setFaults({ rules: [{ endpoint: 'create', kind: 'status', status: 502, times: 1 }] });
    const failed = await wan(['create', PROMPT, ...SHAPE, '--idempotency-key', 'K1']);
    expect(failed.code, show(failed)).toBe(1);
    expect(failed.stderr).toMatch(/may have been created .*wan wait --pending/);
    const stranger = await strangerTask('a stranger on the same model');
    const before = creates().length;
    const again = await wan(['create', PROMPT, ...SHAPE, '--idempotency-key', 'K1']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout.trim()).not.toBe(stranger);
    expect(creates().length - before).toBe(1);
  });

  it('the same key with another prompt is refused (exit 2), naming the key', async () => {
    const first = await wan(['create', PROMPT, ...SHAPE, '--idempotency-key', 'K2']);
    expect(first.code).toBe(0);
    const before = creates().length;
    const other = await wan(['create', 'a fox in the snow', ...SHAPE, '--idempotency-key', 'K2']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /--idempotency-key: idempotency key "K2" was used on .* for another request \("a heron in the reeds"/,
    );
    expect(creates().length).toBe(before);
  });

  it('the same key and request reuses the task; run after success exits 0 with the saved file', async () => {
    const first = await wan(['run', PROMPT, ...SHAPE, '--idempotency-key', 'K3', '-o', 'v.mp4']);
    expect(first.code, show(first)).toBe(0);
    const before = creates().length;
    const again = await wan(['run', PROMPT, ...SHAPE, '--idempotency-key', 'K3', '-o', 'v.mp4']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout.trim()).toBe(path.join(work, 'v.mp4'));
    expect(again.stderr).toMatch(/already saved .* by an earlier run/);
    expect(creates().length).toBe(before);
  });
});

describe('re-running the same run resumes its task', () => {
  it('after a download failure the hint names the task, and running the same command again pays nothing', async () => {
    fx.sandbox.setFaults({ rules: [{ endpoint: 'video', kind: 'status', status: 403, times: 20 }] });
    const first = await wan(['run', PROMPT, ...SHAPE, '-o', 'boat.mp4']);
    expect(first.code, show(first)).toBe(6);
    const id = /task (\S+) created/.exec(first.stderr)![1]!;
    expect(first.stderr).toMatch(new RegExp(`hint: .*wan download ${id} -o ${path.join(work, 'boat.mp4')}`));
    fx.sandbox.setFaults({});
    const before = creates().length;
    const again = await wan(['run', PROMPT, ...SHAPE, '-o', 'boat.mp4']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`reusing task ${id}`));
    expect(creates().length).toBe(before);
    expect(readFileSync(path.join(work, 'boat.mp4')).equals(await fx.sandbox.videoFor(id))).toBe(true);
  });

  it('--new makes another', async () => {
    await wan(['run', PROMPT, ...SHAPE, '-o', 'a.mp4']);
    const before = creates().length;
    const r = await wan(['run', PROMPT, ...SHAPE, '-o', 'a.mp4', '--new', '--force']);
    expect(r.code, show(r)).toBe(0);
    expect(creates().length - before).toBe(1);
  });
});

describe('a process killed while it saves a video', () => {
  it('after the rename, before its journal record: the re-run recognises the video by its sidecar and journals it', async () => {
    const first = await wan(['run', PROMPT, ...SHAPE, '-o', 'kept.mp4']);
    expect(first.code, show(first)).toBe(0);
    // What a SIGKILL right after the rename leaves: the video and its sidecar, but no 'downloaded' record.
    const file = path.join(work, 'state', 'journal.jsonl');
    writeFileSync(
      file,
      `${journal()
        .filter((r) => r.type !== 'downloaded')
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const gets = fx.videoRequests().length;
    const pending = await wan(['wait', '--pending']);
    expect(pending.code, show(pending)).toBe(0);
    expect(pending.stdout).toBe(`${path.join(work, 'kept.mp4')}\n`);
    expect(fx.videoRequests().length).toBe(gets);
    expect(journal().filter((r) => r.type === 'downloaded')).toHaveLength(1);
    expect((await wan(['wait', '--pending'])).stderr).toMatch(/no pending tasks/);
  });

  it('between the sidecar and the rename: the .part is resumed and the video saved', async () => {
    const first = await wan(['run', PROMPT, ...SHAPE, '-o', 'cut.mp4']);
    expect(first.code, show(first)).toBe(0);
    const video = readFileSync(path.join(work, 'cut.mp4'));
    // The sidecar is on disk, the verified bytes still in the .part, and no record of the download.
    renameSync(path.join(work, 'cut.mp4'), path.join(work, 'cut.mp4.part'));
    const file = path.join(work, 'state', 'journal.jsonl');
    writeFileSync(
      file,
      `${journal()
        .filter((r) => r.type !== 'downloaded')
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const again = await wan(['wait', '--pending']);
    expect(again.code, show(again)).toBe(0);
    expect(readFileSync(path.join(work, 'cut.mp4')).equals(video)).toBe(true);
  });
});

describe('an interrupted create is never lost', () => {
  it('Ctrl-C during the create POST: its answer is awaited and journaled; exit 130 names the task and how to resume', async () => {
    const t = testIO({ env: env(), cwd: work, home: work });
    // Ctrl-C lands while the POST is with the service: the gateway fires it as the request arrives.
    const gw = await startGateway(fx.sandbox.baseUrl, {
      rewrite: (p, body) => {
        if (p.endsWith('/video-synthesis')) t.interrupt();
        return body;
      },
    });
    try {
      const code = await main(
        ['run', PROMPT, ...SHAPE, '-o', 'cut.mp4'],
        { ...t.io, env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }) },
        { clock: fx.clock },
      );
      expect(code, t.err()).toBe(130);
      expect(t.err()).toMatch(/interrupted while the create request is on its way: waiting for its answer/);
      const id = journal().find((r) => r.type === 'created')?.taskId as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.err()).toMatch(
        new RegExp(
          `task ${id} keeps running \\(it is paid for\\); resume with: wan wait ${id} -o ${path.join(work, 'cut.mp4')}`,
        ),
      );
      // Tasks belong to the endpoint they were created at: the same one finds it.
      const pending = await wan(['wait', '--pending'], { env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }) });
      expect(pending.code, show(pending)).toBe(0);
      expect(pending.stdout.trim()).toBe(path.join(work, 'cut.mp4'));
    } finally {
      await gw.close();
    }
  });

  it('a create cut off with no answer (the process died) is found by wait --pending in the task list; a stranger is not', async () => {
    mkdirSync(path.join(work, 'state'));
    // What a process killed mid-POST leaves: an intent, no task id. The service did make the task.
    const body = { model: 'wan2.2-t2v-plus', input: { prompt: PROMPT }, parameters: { size: '832*480', seed: 100 } };
    const stranger = await strangerTask('someone else entirely');
    const res = await fetch(`${fx.sandbox.baseUrl}/services/aigc/video-generation/video-synthesis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
      body: JSON.stringify(body),
    });
    const made = ((await res.json()) as { output: { task_id: string } }).output.task_id;
    const intent = {
      type: 'intent',
      id: randomUUID(),
      at: new Date(fx.clock.now() - 1000).toISOString(),
      region: 'beijing',
      baseUrl: fx.sandbox.baseUrl,
      model: body.model,
      prompt: PROMPT,
      parameters: body.parameters,
      requestHash: requestHash(body),
      output: path.join(work, 'orphan.mp4'),
    };
    appendFileSync(path.join(work, 'state', 'journal.jsonl'), `${JSON.stringify(intent)}\n`);
    const r = await wan(['wait', '--pending']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`found task ${made}, whose create was cut off`));
    expect(readFileSync(path.join(work, 'orphan.mp4')).equals(await fx.sandbox.videoFor(made))).toBe(true);
    expect(JSON.stringify(journal())).not.toContain(stranger);
  });
});

describe('every output is checked before anything is paid for', () => {
  it.each([
    [
      '--output-dir that is a file',
      ['--output-dir', 'file.txt'],
      /--output-dir: cannot create the directory .*file\.txt: a file is in the way/,
    ],
    [
      '--output-dir under /proc',
      ['--output-dir', '/proc/self/wan-videos'],
      /--output-dir: cannot create the directory/,
    ],
    ['a dangling link', ['-o', 'dangling.mp4'], /dangling\.mp4 is a link to nothing/],
    [
      'a name too long for the file system',
      ['-o', `${'n'.repeat(250)}.mp4`],
      /--output: the file name n+\.mp4 is too long/,
    ],
    ['a device', ['-o', '/dev/null', '--force'], /\/dev\/null is a device; wan saves videos only as regular files/],
  ])('run with %s: exit 2, nothing sent', async (_name, args, message) => {
    writeFileSync(path.join(work, 'file.txt'), 'a file');
    symlinkSync(path.join(work, 'nowhere.mp4'), path.join(work, 'dangling.mp4'));
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', PROMPT, ...SHAPE, ...args]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('batch into a directory it cannot write: exit 2, no task created', async () => {
    writeFileSync(path.join(work, 'p.txt'), 'a heron\na fox\n');
    const before = creates().length;
    const r = await wan(['batch', 'p.txt', ...SHAPE, '--output-dir', '/proc/self/videos', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(creates().length).toBe(before);
  });
});

describe('reads that cannot run away', () => {
  it.each([
    ['/dev/zero', '/dev/zero'],
    ['a directory', '.'],
  ])('--prompt-file %s is refused at once (exit 2)', async (_name, file) => {
    const r = await wan(['create', '--prompt-file', file]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/--prompt-file: .* (not a regular file|a directory)/);
  });

  it('--prompt-file on a FIFO without a writer is refused without blocking', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(work, 'fifo')]);
    const r = await wan(['create', '--prompt-file', 'fifo']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/fifo is not a regular file/);
  });

  it('a prompt on stdin larger than 100 KiB is refused', async () => {
    const r = await wan(['create', '-'], { stdin: 'x'.repeat(200 * 1024) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin holds more than 100 KiB/);
  });
});

describe('a malformed API key', () => {
  it.each([
    ['a line break', 'sk-abc\ndef'],
    ['a NUL', 'sk-abc\u0000def'],
    ['non-ASCII', 'sk-abcdéf'],
  ])('with %s: exit 3 naming where it came from, nothing sent, never printed', async (_name, key) => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', PROMPT], { env: env({ DASHSCOPE_API_KEY: key }) });
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/the API key from env DASHSCOPE_API_KEY contains/);
    expect(r.stderr).not.toContain('abc');
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('batch: a line is its content', () => {
  it('a comment inserted at the top after a crash does not create any line again', async () => {
    const slow = await sandboxFixture({ pendingMs: 3_600_000 });
    try {
      const e = env({ DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl });
      writeFileSync(path.join(work, 'b.txt'), 'a heron\na fox\n');
      const first = await runWan(['batch', 'b.txt', ...SHAPE, '--timeout', '2s', '--yes'], {
        env: e,
        cwd: work,
        clock: slow.clock,
      });
      expect(first.code, show(first)).toBe(5);
      const made = slow.sandbox.requests.filter((q) => q.method === 'POST').length;
      expect(made).toBe(2);
      writeFileSync(path.join(work, 'b.txt'), '# the heron and the fox, take two\na heron\na fox\n');
      const again = await runWan(['batch', 'b.txt', ...SHAPE, '--timeout', '2s', '--yes'], {
        env: e,
        cwd: work,
        clock: slow.clock,
      });
      expect(again.stderr).toMatch(/^line 2: resuming task /m);
      expect(again.stderr).toMatch(/^line 3: resuming task /m);
      expect(slow.sandbox.requests.filter((q) => q.method === 'POST').length).toBe(made);
    } finally {
      await slow.close();
    }
  });
});

describe('sweep', () => {
  it('a task cancelled on purpose is done; a file taken by another video is said once', async () => {
    const slow = await sandboxFixture({ pendingMs: 3_600_000 });
    try {
      const e = env({ DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl });
      const id = (await runWan(['create', 'to cancel'], { env: e, cwd: work, clock: slow.clock })).stdout.trim();
      await runWan(['cancel', id], { env: e, cwd: work, clock: slow.clock });
      const r = await runWan(['sweep'], { env: e, cwd: work, clock: slow.clock });
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`task ${id}: cancelled; nothing to download`));
    } finally {
      await slow.close();
    }
    const done = (await wan(['create', PROMPT, ...SHAPE])).stdout.trim();
    writeFileSync(path.join(work, `${done}.mp4`), 'another video');
    const first = await wan(['sweep']);
    expect(first.code, show(first)).toBe(6);
    expect(first.stderr).toMatch(new RegExp(`${done}\\.mp4 already exists`));
    expect(first.stderr).toMatch(new RegExp(`wan download ${done} -o <another file>`));
    const second = await wan(['sweep']);
    expect(second.code, show(second)).toBe(0);
    expect(second.stderr).toMatch(/nothing to sweep/);
    expect(readdirSync(work).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(existsSync(path.join(work, `${done}.mp4.json`))).toBe(false);
  });
});
