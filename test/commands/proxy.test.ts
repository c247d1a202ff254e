import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, type ForwardProxy, type ProxyLogEntry, startForwardProxy } from '../helpers/forward-proxy.js';
import { runWan, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';
import { silentWav } from '../helpers/wav.js';

// The sandbox listens on 127.0.0.1: undici's EnvHttpProxyAgent has no built-in bypass for
// loopback (only what NO_PROXY lists), so the proxy sees these requests like any others.
/** A prompt's model, size and seed whose video the shared cache keeps (batch's second line). */
const CACHED_VIDEO = ['-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '101'];
const KEY = 'sk-test-PROXY-e2e-0123456789abcdef';
const ZERO_ID = '00000000-0000-0000-0000-000000000000';
let fx: SandboxFixture;
let proxy: ForwardProxy;
let apiHost: string;
let videoHost: string;

beforeAll(async () => {
  fx = await sandboxFixture();
  proxy = await startForwardProxy();
  apiHost = new URL(fx.sandbox.baseUrl).host;
  videoHost = new URL(fx.sandbox.videoOrigin).host;
});
afterAll(async () => {
  await proxy.close();
  await fx.close();
});
beforeEach(() => proxy.reset());

function env(extra: Record<string, string | undefined> = {}) {
  return {
    DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
    DASHSCOPE_API_KEY: KEY,
    HOME: fx.dir,
    WAN_POLL_INTERVAL: '1s',
    ...extra,
  };
}

/** Everything of a request a proxy could read, except the API request's Authorization header. */
function visibleBesidesAuthorization(entry: ProxyLogEntry): string {
  const { authorization, ...headers } = entry.headers;
  if (authorization !== undefined) {
    expect(entry.target).toBe(apiHost);
    expect(authorization).toBe(`Bearer ${KEY}`);
  }
  return JSON.stringify({ ...entry, headers });
}

/** wan in-process against the fixture, on its clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock: fx.clock, ...opts });

const sandboxLog = (from: number) =>
  fx.sandbox.requests
    .slice(from)
    .map((r) => `${r.listener} ${r.method} ${r.path}`)
    .sort();
const proxyLog = () =>
  proxy.log
    .map(
      (e) =>
        `${e.target === apiHost ? 'api' : e.target === videoHost ? 'video' : e.target} ${e.method} ${new URL(e.url).pathname}`,
    )
    .sort();

describe('HTTP_PROXY carries every request of wan run', () => {
  it('sends each API and video request through the proxy, and the key only in the API Authorization header', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', 'a paper boat in the rain', ...CACHED_VIDEO, '-o', 'proxied.mp4'], {
      env: env({ HTTP_PROXY: proxy.url }),
      cwd: fx.dir,
    });
    expect(r.stderr).not.toMatch(/error|warning/);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(fx.dir, 'proxied.mp4'))).toBe(true);

    const counts = proxy.countsByTarget();
    expect(Object.keys(counts).sort()).toEqual([apiHost, videoHost].sort());
    expect(proxy.log.every((e) => e.kind === 'forward')).toBe(true);
    // One for one: what the sandbox answered is exactly what went through the proxy.
    expect(proxyLog()).toEqual(sandboxLog(before));
    expect(proxyLog().filter((l) => l.startsWith('video GET')).length).toBeGreaterThan(0);

    for (const entry of proxy.log) expect(visibleBesidesAuthorization(entry)).not.toContain(KEY);
    expect(proxy.log.filter((e) => e.headers.authorization).length).toBe(
      proxy.log.filter((e) => e.target === apiHost).length,
    );
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('NO_PROXY naming the sandbox host sends nothing through the proxy', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', 'a paper boat in the rain', ...CACHED_VIDEO, '-o', 'direct.mp4'], {
      env: env({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }),
      cwd: fx.dir,
    });
    expect(r.code).toBe(0);
    expect(proxy.log).toEqual([]);
    expect(fx.sandbox.requests.length).toBeGreaterThan(before);
  });

  it('a NO_PROXY entry with a port bypasses only that listener', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', 'a paper boat in the rain', ...CACHED_VIDEO, '-o', 'half.mp4'], {
      env: env({ HTTP_PROXY: proxy.url, no_proxy: apiHost }),
      cwd: fx.dir,
    });
    expect(r.code).toBe(0);
    expect(Object.keys(proxy.countsByTarget())).toEqual([videoHost]);
    expect(proxyLog()).toEqual(sandboxLog(before).filter((l) => l.startsWith('video ')));
  });

  it('http_proxy (lower case) wins over HTTP_PROXY', async () => {
    const dead = await closedPort();
    const r = await wan(['status', ZERO_ID], {
      env: env({ HTTP_PROXY: `http://127.0.0.1:${dead}`, http_proxy: proxy.url }),
    });
    expect(r.code).toBe(0);
    expect(proxyLog()).toEqual([`api GET /api/v1/tasks/${ZERO_ID}`]);
  });
});

describe('HTTP_PROXY carries uploads too', () => {
  it('wan upload: the policy GET to the API and the form POST to the upload host, the key only on the first', async () => {
    const file = path.join(fx.dir, 'voice.wav');
    writeFileSync(file, silentWav(4));
    const r = await wan(['upload', 'voice.wav', '-m', 'wan2.5-t2v-preview'], {
      env: env({ HTTP_PROXY: proxy.url }),
      cwd: fx.dir,
    });
    expect(r.code).toBe(0);
    expect(proxyLog()).toEqual(['api GET /api/v1/uploads', 'video POST /dashscope-file-sandbox'].sort());
    const post = proxy.log.find((e) => e.method === 'POST')!;
    expect(post.headers.authorization).toBeUndefined();
    for (const entry of proxy.log) expect(visibleBesidesAuthorization(entry)).not.toContain(KEY);
  });
});

describe('a proxy that does not work', () => {
  it('refusing connections: exit 7, naming the proxy, nothing reaches the service', async () => {
    const dead = await closedPort();
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', 'a paper boat', '-o', 'never.mp4'], {
      env: env({ HTTP_PROXY: `http://alice:s3cret@127.0.0.1:${dead}`, WAN_RETRIES: '1' }),
      cwd: fx.dir,
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      new RegExp(`cannot connect to proxy http://alice:\\*\\*\\*@127\\.0\\.0\\.1:${dead} \\(HTTP_PROXY\\)`),
    );
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/may have been created/);
    expect(fx.sandbox.requests.length).toBe(before);
    expect(existsSync(path.join(fx.dir, 'never.mp4'))).toBe(false);
  });

  it('--json reports it as one JSON line with exit_code 7', async () => {
    const dead = await closedPort();
    const r = await wan(['status', ZERO_ID, '--json'], {
      env: env({ HTTPS_PROXY: `http://127.0.0.1:${dead}`, HTTP_PROXY: `http://127.0.0.1:${dead}`, WAN_RETRIES: '1' }),
    });
    expect(r.code).toBe(7);
    const error = (JSON.parse(r.stderr) as { error: { code: string; message: string; exit_code: number } }).error;
    expect(error).toMatchObject({ code: 'connection', exit_code: 7 });
    expect(error.message).toContain(`proxy http://127.0.0.1:${dead} (HTTP_PROXY)`);
  });

  it('a proxy variable that is not a URL: exit 2 before anything is sent', async () => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['status', ZERO_ID], { env: env({ HTTPS_PROXY: 'http://' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: HTTPS_PROXY is not a proxy URL/);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('--sandbox never uses the proxy: its server is in the same process', async () => {
    const dead = await closedPort();
    const r = await wan(['--sandbox', 'status', ZERO_ID], {
      env: { HOME: fx.dir, HTTP_PROXY: `http://127.0.0.1:${dead}`, HTTPS_PROXY: `http://127.0.0.1:${dead}` },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('wan doctor through a proxy', () => {
  it('names the proxy for the API host and sends its one GET through it', async () => {
    const r = await wan(['doctor', '--json'], { env: env({ HTTP_PROXY: proxy.url }), cwd: fx.dir });
    const checks = JSON.parse(r.stdout) as Array<{ check: string; status: string; detail: string }>;
    const by = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(by.proxy!.detail).toContain(`API ${apiHost}: through ${proxy.url} (HTTP_PROXY)`);
    expect(by.connection).toMatchObject({ status: 'pass' });
    expect(by.connection!.detail).toMatch(new RegExp(`proxy ${proxy.url.replace(/\./g, '\\.')} reachable`));
    expect(by['key-accepted']).toMatchObject({ status: 'pass' });
    expect(proxyLog()).toEqual([`api GET /api/v1/tasks/${ZERO_ID}`]);
    expect(r.code).toBe(0);
  });

  it('a dead proxy fails the connection check with the variable to fix', async () => {
    const dead = await closedPort();
    const r = await wan(['doctor'], { env: env({ HTTP_PROXY: `http://127.0.0.1:${dead}` }), cwd: fx.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `✗ connection +${apiHost.replace(/\./g, '\\.')} through http://127\\.0\\.0\\.1:${dead}: cannot connect to 127\\.0\\.0\\.1:${dead} \\(ECONNREFUSED\\)`,
      ),
    );
    expect(r.stdout).toMatch(/fix: is the proxy running and reachable\? check HTTP_PROXY/);
    expect(r.stdout).toMatch(/- key-accepted +not tried/);
  });

  it('says NO_PROXY bypasses the API host', async () => {
    const r = await wan(['doctor', '--json'], {
      env: env({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' }),
      cwd: fx.dir,
    });
    const proxyCheck = (JSON.parse(r.stdout) as Array<{ check: string; detail: string }>).find(
      (c) => c.check === 'proxy',
    )!;
    expect(proxyCheck.detail).toContain(`API ${apiHost}: direct (NO_PROXY entry "127.0.0.1")`);
    expect(proxy.log).toEqual([]);
  });
});
