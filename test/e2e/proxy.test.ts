import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ForwardProxy, startForwardProxy } from '../helpers/forward-proxy.js';
import { runBin } from '../helpers/run-bin.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

// NODE_EXTRA_CA_CERTS is read once, when Node starts: the https cases need a process of their own.
// The rest runs in-process (test/commands/proxy.test.ts).
const KEY = 'sk-test-PROXY-e2e-0123456789abcdef';
const ZERO_ID = '00000000-0000-0000-0000-000000000000';
let fx: SandboxFixture;
let proxy: ForwardProxy;

beforeAll(async () => {
  fx = await sandboxFixture();
  proxy = await startForwardProxy();
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

// The real service is https: its requests go through a CONNECT tunnel, and the proxy sees only
// ciphertext. A TLS front for the sandbox with a throw-away certificate stands in for it.
const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)('HTTPS_PROXY and an https API: a CONNECT tunnel', () => {
  let dir: string;
  let front: https.Server;
  let frontUrl: string;
  let caFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wan-tls-'));
    caFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        caFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const target = new URL(fx.sandbox.baseUrl);
    front = https.createServer(
      { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(caFile) },
      (req, res) => {
        const upstream = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        req.pipe(upstream);
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    front.closeAllConnections();
    await new Promise<void>((resolve) => front.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsEnv = () => env({ DASHSCOPE_HTTP_BASE_URL: frontUrl, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caFile });

  it('wan status opens one tunnel to the API host; the key never shows in clear', async () => {
    const r = await runBin(['status', ZERO_ID], { env: tlsEnv() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(proxy.log).toHaveLength(1);
    expect(proxy.log[0]).toMatchObject({ kind: 'connect', url: new URL(frontUrl).host });
    expect(proxy.log[0]!.tunnel.length).toBeGreaterThan(0);
    expect(JSON.stringify(proxy.log)).not.toContain(KEY);
  });

  it('wan doctor checks CONNECT and TLS through the proxy', async () => {
    const r = await runBin(['doctor'], { env: tlsEnv(), cwd: fx.dir });
    expect(r.stdout).toMatch(
      new RegExp(
        `✓ connection +127\\.0\\.0\\.1:\\d+ through ${proxy.url.replace(/\./g, '\\.')} \\(TCP \\d+ ms, CONNECT \\d+ ms, TLS \\d+ ms\\)`,
      ),
    );
    expect(r.stdout).toMatch(/✓ key-accepted/);
    expect(r.code).toBe(0);
  });
});
