import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWan, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';
import { silentWav } from '../helpers/wav.js';

/** Task management: idempotency keys, list, cancel, upload and --audio, cost guard. */
const KEY = 'sk-test-SECRET-tasks-0123456789abcdef';
let fx: SandboxFixture;
let n = 0;
let work: string;

beforeAll(async () => {
  fx = await sandboxFixture({ pendingMs: 60_000, runningMs: 60_000 });
});
afterAll(async () => fx.close());

function fresh(): Record<string, string> {
  work = path.join(fx.dir, `case-${++n}`);
  mkdirSync(work);
  return {
    DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
    DASHSCOPE_API_KEY: KEY,
    HOME: work,
    WAN_STATE_DIR: path.join(work, 'state'),
  };
}
/** wan in-process against the fixture, on its clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock: fx.clock, ...opts });
const creates = () => fx.apiRequests().filter((q) => q.method === 'POST' && q.path.endsWith('/video-synthesis')).length;

/** A silent WAV of `seconds`, written to `file`. */
function wav(file: string, seconds: number): void {
  writeFileSync(file, silentWav(seconds));
}

describe('idempotency keys', () => {
  it('the same key reuses the journaled task instead of paying again, and says so', async () => {
    const env = fresh();
    const before = creates();
    const first = await wan(['create', 'a kite', '--idempotency-key', 'kite-1'], { env, cwd: work });
    expect(first.code).toBe(0);
    const again = await wan(['create', 'a kite', '--idempotency-key', 'kite-1', '--json'], { env, cwd: work });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ task_id: first.stdout.trim(), reused: true });
    expect(creates() - before).toBe(1);
    const other = await wan(['create', 'a kite', '--idempotency-key', 'kite-2'], { env, cwd: work });
    expect(other.stdout.trim()).not.toBe(first.stdout.trim());
    expect(creates() - before).toBe(2);
  });

  it('an intent whose POST died is reconciled against the task list before anything is re-sent', async () => {
    // The service's clock must move with the program's for creation times to line up: they share one.
    const live = await sandboxFixture();
    const env = { ...fresh(), DASHSCOPE_HTTP_BASE_URL: live.sandbox.baseUrl };
    const creates = () =>
      live.apiRequests().filter((q) => q.method === 'POST' && q.path.endsWith('/video-synthesis')).length;
    const fx = live;
    // The create is made but its answer is cut: the task exists, the client never saw its id.
    fx.sandbox.setFaults({ rules: [{ endpoint: 'create', kind: 'reset', afterBytes: 5, times: 1 }] });
    const lost = await wan(['create', 'a lost answer', '--idempotency-key', 'lost-1'], {
      env,
      cwd: work,
      clock: live.clock,
    });
    expect(lost.code).toBe(7);
    expect(lost.stderr).toMatch(/may have been created/);
    fx.sandbox.setFaults({});
    const before = creates();
    const again = await wan(['create', 'a lost answer', '--idempotency-key', 'lost-1'], {
      env,
      cwd: work,
      clock: live.clock,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/found task \S+, created by an earlier attempt/);
    expect(creates()).toBe(before);
    await live.close();
  });
});

describe('wan list', () => {
  it("lists the account's tasks with the journal's prompt; --local lists the journal", async () => {
    const env = fresh();
    const id = (await wan(['create', 'a listed heron', '-m', 'wan2.2-t2v-plus'], { env, cwd: work })).stdout.trim();
    const remote = await wan(['list', '--json', '--all'], { env, cwd: work });
    expect(remote.code).toBe(0);
    const rows = JSON.parse(remote.stdout) as Array<{
      task_id: string;
      status: string;
      prompt: string | null;
      model_name: string;
    }>;
    expect(rows.find((r) => r.task_id === id)).toMatchObject({
      status: 'PENDING',
      prompt: 'a listed heron',
      model_name: 'wan2.2-t2v-plus',
    });
    const human = await wan(['list', '--status', 'pending', '-m', 'wan2.2-t2v-plus'], { env, cwd: work });
    expect(human.stdout).toMatch(/^TASK ID\s+STATUS\s+MODEL/);
    expect(human.stdout).toContain(id);
    const local = await wan(['list', '--local', '--json'], { env, cwd: work });
    expect(JSON.parse(local.stdout)).toEqual([
      expect.objectContaining({ task_id: id, prompt: 'a listed heron', model: 'wan2.2-t2v-plus' }),
    ]);
  });

  it.each([
    [['list', '--since', '25h'], /24 hours/],
    [['list', '--status', 'DONE'], /--status/],
    [['list', '--page-size', '500'], /--page-size/],
    [['list', '--since', 'yesterday'], /--since/],
  ])('refuses %j before sending', async (args, message) => {
    const env = fresh();
    const before = fx.sandbox.requests.length;
    const r = await wan(args, { env, cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('wan cancel', () => {
  it('cancels a PENDING task; a RUNNING one cannot be, and the message says it will be billed', async () => {
    const env = fresh();
    const id = (await wan(['create', 'to cancel'], { env, cwd: work })).stdout.trim();
    const ok = await wan(['cancel', id], { env, cwd: work });
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(`${id} cancelled`);
    const status = await wan(['status', id, '--json'], { env, cwd: work });
    expect(JSON.parse(status.stdout)).toMatchObject({ task_status: 'CANCELED' });

    const running = (await wan(['create', 'already running'], { env, cwd: work })).stdout.trim();
    fx.clock.advance(60_001);
    const refused = await wan(['cancel', running], { env, cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot be cancelled: it is RUNNING, .*will be billed/);

    // Cancelling it again says so, and is no error (issue 15).
    const again = await wan(['cancel', id], { env, cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${id} was already cancelled`);
  });
});

describe('local audio', () => {
  it('wan upload prints an oss:// URL; --audio uploads and sends the resolve header', async () => {
    const env = fresh();
    wav(path.join(work, 'voice.wav'), 4);
    const up = await wan(['upload', 'voice.wav', '-m', 'wan2.5-t2v-preview'], { env, cwd: work });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.trim()).toMatch(/^oss:\/\/dashscope-instant\/.+\/voice\.wav$/);
    const uploadPost = fx.sandbox.requests.filter((q) => q.method === 'POST' && q.listener !== 'api').at(-1)!;
    expect(uploadPost.hasAuthorization).toBe(false);

    const r = await wan(['create', 'a singer', '--audio', 'voice.wav', '--json'], { env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { input: { audio_url: string } }).input.audio_url).toMatch(/^oss:\/\//);
    const create = fx
      .apiRequests()
      .filter((q) => q.method === 'POST')
      .at(-1)!;
    expect(create.headers['x-dashscope-ossresourceresolve']).toBe('enable');
  });

  it.each([
    [
      'a WAV too short',
      ['voice.wav', '-m', 'wan2.5-t2v-preview'],
      /file: voice\.wav lasts 1\.0 s; wan2\.5-t2v-preview takes 3–30 s/,
    ],
    ['sound for a silent model', ['voice.wav', '-m', 'wan2.2-t2v-plus'], /file: wan2\.2-t2v-plus takes no audio file/],
    ['an image for a text model', ['still.png', '-m', 'wan2.6-t2v'], /file: wan2\.6-t2v takes no images/],
  ])("wan upload of %s: refused by the model's limits before anything is sent", async (_name, args, message) => {
    const env = fresh();
    wav(path.join(work, 'voice.wav'), 1);
    copyFileSync(new URL('../fixtures/dawn.png', import.meta.url), path.join(work, 'still.png'));
    const before = fx.sandbox.requests.length;
    const r = await wan(['upload', ...args], { env, cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it.each([
    ['too short', 1, /lasts 1\.0 s; wan2\.5-t2v-preview takes 3–30 s/],
    ['too long', 31, /lasts 31\.0 s/],
  ])('a WAV that is %s is refused before any upload', async (_name, seconds, message) => {
    const env = fresh();
    wav(path.join(work, 'voice.wav'), seconds);
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', 'x', '--audio', 'voice.wav'], { env, cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('not audio, or a silent model: refused before any upload', async () => {
    const env = fresh();
    writeFileSync(path.join(work, 'notes.mp3'), 'just text');
    wav(path.join(work, 'voice.wav'), 4);
    const before = fx.sandbox.requests.length;
    const text = await wan(['create', 'x', '--audio', 'notes.mp3'], { env, cwd: work });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/neither WAV nor MP3/);
    const silent = await wan(['create', 'x', '-m', 'wan2.2-t2v-plus', '--audio', 'voice.wav'], { env, cwd: work });
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(/silent/);
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('cost', () => {
  it('--dry-run and --json carry the estimate; --max-cost refuses above it and sends nothing', async () => {
    const env = fresh();
    const dry = await wan(['create', 'x', '-s', '832*480', '-d', '10', '--dry-run', '--json'], { env, cwd: work });
    expect(JSON.parse(dry.stdout)).toMatchObject({
      estimated_cost: { amount: 3, currency: 'CNY', price_date: '2026-10-01' },
    });
    const before = fx.sandbox.requests.length;
    const over = await wan(['create', 'x', '--max-cost', '2'], { env, cwd: work });
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/--max-cost: the estimated cost 5\.00 CNY is above 2\.00 CNY; nothing was sent/);
    const overByEnv = await wan(['create', 'x'], { env: { ...env, WAN_MAX_COST: '0.5' }, cwd: work });
    expect(overByEnv.code).toBe(2);
    expect(fx.sandbox.requests.length).toBe(before);
    const under = await wan(['create', 'x', '-s', '832*480', '--max-cost', '2', '--json'], { env, cwd: work });
    expect(under.code).toBe(0);
    expect(JSON.parse(under.stdout)).toMatchObject({ estimated_cost: { amount: 1.5 } });
  });
});

describe('wan sweep', () => {
  it('downloads finished, undownloaded tasks from the journal, skips running ones, never waits', async () => {
    const env = fresh();
    const done = (
      await wan(['create', 'a heron in the reeds', '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100'], {
        env,
        cwd: work,
      })
    ).stdout.trim();
    fx.clock.advance(120_001);
    const running = (
      await wan(['create', 'still going', '-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '9'], {
        env,
        cwd: work,
      })
    ).stdout.trim();
    const r = await wan(['sweep', '--output-dir', 'v'], { env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(work, 'v', `${done}.mp4`));
    expect(r.stderr).toMatch(new RegExp(`task ${running}: still PENDING; wan wait --pending waits for it`));
    const again = await wan(['sweep', '--output-dir', 'v'], { env, cwd: work });
    expect(again.stdout).toBe('');
  });
});
