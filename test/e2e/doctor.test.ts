import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/** A real SIGINT to the binary during doctor's network checks; the rest runs in-process (test/commands/doctor.test.ts). */
const KEY = 'sk-test-DOCTOR-e2e-0123456789abcdef';

let fx: SandboxFixture;
let home: string;

beforeAll(async () => {
  fx = await sandboxFixture();
  home = mkdtempSync(path.join(os.tmpdir(), 'wan-doctor-home-'));
});
afterAll(async () => {
  await fx.close();
  rmSync(home, { recursive: true, force: true });
});

function env(extra: Record<string, string | undefined> = {}) {
  return { DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl, DASHSCOPE_API_KEY: KEY, HOME: home, ...extra };
}

describe('wan doctor, the built binary', () => {
  it('Ctrl-C during a network check: exit 130 at once', async () => {
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => void held.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as AddressInfo).port;
    const started = Date.now();
    const r = await runBin(['doctor'], {
      env: env({ DASHSCOPE_HTTP_BASE_URL: `http://127.0.0.1:${port}/api/v1` }),
      cwd: fx.dir,
      onStart: (child, output) => {
        const timer = setInterval(() => {
          if (!output.stdout().includes('connection')) return;
          clearInterval(timer);
          child.kill('SIGINT');
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  });
});
