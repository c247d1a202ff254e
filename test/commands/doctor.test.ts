import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantClock } from '../helpers/fake-clock.js';
import { closedPort } from '../helpers/forward-proxy.js';
import { runWan } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

const KEY = 'sk-test-DOCTOR-e2e-0123456789abcdef';
const CHECKS = [
  'config',
  'api-key',
  'key-format',
  'endpoint',
  'proxy',
  'connection',
  'key-accepted',
  'clock',
  'output-dir',
  'disk-space',
];

interface Check {
  check: string;
  ok: boolean;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix: string | null;
}

/**
 * wan doctor in-process. The program keeps a clock of its own (runWan's, starting now): the clock
 * check compares it with the sandbox's, which a test moves on its own.
 */
let fx: SandboxFixture;
let strict: SandboxFixture;
let home: string;

beforeAll(async () => {
  fx = await sandboxFixture();
  // Accepts only its own key, so any other reads 401 InvalidApiKey.
  strict = await sandboxFixture({ apiKey: 'sk-the-only-key-that-works-0123456' });
  home = mkdtempSync(path.join(os.tmpdir(), 'wan-doctor-home-'));
});
afterAll(async () => {
  await fx.close();
  await strict.close();
  rmSync(home, { recursive: true, force: true });
});

function env(extra: Record<string, string | undefined> = {}) {
  return { DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl, DASHSCOPE_API_KEY: KEY, HOME: home, ...extra };
}

async function doctorJson(
  args: string[],
  extra: Record<string, string | undefined> = {},
  cwd = fx.dir,
  clock = instantClock(),
) {
  const r = await runWan([...args, 'doctor', '--json'], { env: env(extra), cwd, clock });
  const checks = JSON.parse(r.stdout) as Check[];
  return { ...r, checks, by: Object.fromEntries(checks.map((c) => [c.check, c])) as Record<string, Check> };
}

describe('wan doctor', () => {
  it('--sandbox: every check passes against the in-process sandbox, one ✓ line each', async () => {
    const r = await runWan(['--sandbox', 'doctor'], { env: { HOME: home }, cwd: fx.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).map((l) => l.split(/\s+/)[1])).toEqual(CHECKS);
    // Only disk space may warn (a full disk is not this test's business).
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^✓ |^! disk-space /);
    expect(lines.at(-1)).toMatch(/^all 10 checks passed$|^10 checks: 0 failed, 1 warning$/);
    expect(r.stdout).toMatch(/✓ key-accepted +a task lookup answered UNKNOWN in \d+ ms/);
    expect(r.stdout).toMatch(/✓ connection +127\.0\.0\.1:\d+ \(TCP \d+ ms\)/);
  });

  it('--json: an array of {check, ok, status, detail, fix}, nothing else on stdout', async () => {
    const r = await doctorJson(['--sandbox']);
    expect(r.code).toBe(0);
    expect(r.checks.map((c) => c.check)).toEqual(CHECKS);
    for (const c of r.checks) {
      expect(Object.keys(c).sort()).toEqual(['check', 'detail', 'fix', 'ok', 'status']);
      expect(c.ok).toBe(true);
    }
  });

  it('with a working key: sends one authenticated GET, never shows the key', async () => {
    const before = fx.sandbox.requests.length;
    const r = await runWan(['doctor'], { env: env(), cwd: fx.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ api-key +sk-…cdef from env DASHSCOPE_API_KEY/);
    expect(r.stdout).toMatch(
      /✓ endpoint +http:\/\/127\.0\.0\.1:\d+\/api\/v1 — region beijing \(default\), base URL from env DASHSCOPE_HTTP_BASE_URL/,
    );
    expect(r.stdout).toMatch(/✓ proxy +none/);
    // The fixture's clock stands still, so it falls a little behind the real one as tests run.
    expect(r.stdout).toMatch(/✓ clock +(within a second of|\d+ s ahead of) the server's clock/);
    expect(r.stdout).toMatch(/all 10 checks passed\n$/);
    expect(fx.sandbox.requests.slice(before)).toMatchObject([
      {
        listener: 'api',
        method: 'GET',
        path: '/api/v1/tasks/00000000-0000-0000-0000-000000000000',
        hasAuthorization: true,
      },
    ]);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('no key: exit 3, with where to put one; the clock is still compared', async () => {
    const r = await doctorJson([], { DASHSCOPE_API_KEY: undefined });
    expect(r.code).toBe(3);
    expect(r.by['api-key']).toMatchObject({ ok: false, status: 'fail' });
    expect(r.by['api-key']!.fix).toMatch(/export DASHSCOPE_API_KEY=sk-/);
    expect(r.by['key-format']).toMatchObject({ ok: false, status: 'skip' });
    expect(r.by['key-accepted']).toMatchObject({ status: 'skip' });
    expect(r.by.clock).toMatchObject({ status: 'pass' });
  });

  it('a refused key: exit 3, naming the service code and the region', async () => {
    const r = await runWan(['doctor'], { env: env({ DASHSCOPE_HTTP_BASE_URL: strict.sandbox.baseUrl }), cwd: fx.dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/✗ key-accepted +the API refused the key: 401 InvalidApiKey/);
    expect(r.stdout).toMatch(/fix: keys belong to one region: this is beijing/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it.each([
    ['white space inside', 'sk-abcdef 0123456789abcdef01234567', /contains white space/],
    ['not a DashScope key', 'AKIA0123456789ABCDEF0123456789', /does not start with sk-/],
  ])('a malformed key (%s): exit 1, and the key itself is never printed', async (_name, key, message) => {
    const r = await doctorJson([], { DASHSCOPE_API_KEY: key });
    expect(r.code).toBe(1);
    expect(r.by['key-format']).toMatchObject({ status: 'fail' });
    expect(r.by['key-format']!.detail).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('an endpoint nothing listens on: the connection fails fast, the rest is skipped', async () => {
    const port = await closedPort();
    const clock = instantClock();
    const started = Date.now();
    const r = await doctorJson([], { DASHSCOPE_HTTP_BASE_URL: `http://127.0.0.1:${port}/api/v1` }, fx.dir, clock);
    expect(r.code).toBe(1);
    expect(r.by.connection).toMatchObject({
      status: 'fail',
      detail: `cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`,
    });
    expect(r.by.connection!.fix).toMatch(/check the base URL/);
    expect(r.by['key-accepted']).toMatchObject({ status: 'skip' });
    // The time it took: real, and what its sleeps (none expected) would have waited.
    expect(Date.now() - started + clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(10_000);
  });

  it('a server that never answers: the request gives up after the request timeout, without retrying', async () => {
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => void held.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as AddressInfo).port;
    const clock = instantClock();
    const started = Date.now();
    // The request timeout is real time (the socket stays silent): small, but real.
    const r = await doctorJson(
      [],
      { DASHSCOPE_HTTP_BASE_URL: `http://127.0.0.1:${port}/api/v1`, WAN_REQUEST_TIMEOUT: '300ms' },
      fx.dir,
      clock,
    );
    expect(Date.now() - started + clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.by.connection).toMatchObject({ status: 'pass' });
    expect(r.by['key-accepted']).toMatchObject({ status: 'fail' });
    expect(r.by['key-accepted']!.detail).toMatch(/Headers Timeout|UND_ERR_HEADERS_TIMEOUT/);
    expect(held.length).toBe(2); // the connection probe, then the one GET: no retry
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  });

  // The real SIGINT to the binary is in test/e2e/doctor.test.ts; here the IO's signal fires as it would.
  it('Ctrl-C during a network check: exit 130, not the request timeout', async () => {
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => void held.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as AddressInfo).port;
    const r = await runWan(['doctor'], {
      env: env({ DASHSCOPE_HTTP_BASE_URL: `http://127.0.0.1:${port}/api/v1` }),
      cwd: fx.dir,
      interrupt: (out) => out.stdout.includes('connection'),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  });

  it('a server clock an hour ahead: a warning with the fix, still exit 0', async () => {
    fx.clock.advance(3600_000);
    try {
      const r = await runWan(['doctor'], { env: env(), cwd: fx.dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /! clock +3[56]\d\d s behind the server's clock: video URLs expire by the server's clock/,
      );
      expect(r.stdout).toMatch(/fix: synchronise the clock/);
      expect(r.stdout).toMatch(/10 checks: 0 failed, 1 warning\n$/);
    } finally {
      fx.clock.advance(-3600_000);
    }
  });

  it('an output directory that is a file fails; a missing one is a warning', async () => {
    const file = path.join(fx.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const asFile = await doctorJson([], { WAN_OUTPUT_DIR: file });
    expect(asFile.code).toBe(1);
    expect(asFile.by['output-dir']).toMatchObject({ status: 'fail', detail: `${file} is not a directory` });

    const missing = path.join(fx.dir, 'videos', 'later');
    const r = await doctorJson([], { WAN_OUTPUT_DIR: missing });
    expect(r.code).toBe(0);
    expect(r.by['output-dir']).toMatchObject({ status: 'warn', fix: `mkdir -p ${missing}` });
    expect(r.by['disk-space']!.detail).toContain(`free in ${fx.dir}`);
  });

  it('leaves nothing behind in the output directory', async () => {
    const dir = path.join(fx.dir, 'clean');
    mkdirSync(dir);
    const r = await doctorJson([], { WAN_OUTPUT_DIR: dir });
    expect(r.by['output-dir']).toMatchObject({ status: 'pass', detail: `${dir} is writable` });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a configuration error is a failed check, not the end of the report', async () => {
    const r = await doctorJson([], { WAN_TIMEOUT: 'soon' });
    expect(r.code).toBe(1);
    expect(r.by.config).toMatchObject({ status: 'fail' });
    expect(r.by.config!.detail).toMatch(/WAN_TIMEOUT/);
    expect(r.by.connection).toMatchObject({ status: 'skip' });
    expect(r.by['output-dir']).toMatchObject({ status: 'pass' });
  });

  it('--quiet prints only what is not ✓', async () => {
    const r = await runWan(['doctor', '-q'], {
      env: env({ DASHSCOPE_API_KEY: 'sk-abcdef 0123456789abcdef01234567' }),
      cwd: fx.dir,
    });
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .split('\n')
        .filter((l) => /^[✓✗!-] /.test(l))
        .map((l) => l.slice(0, 1)),
    ).toEqual(['✗']);
  });
});
