import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/**
 * The built binary: the exit code the process really ends with, and --sandbox state shared by two
 * processes. Everything else about these commands runs in-process in test/commands/core.test.ts;
 * the binary's create → wait → download is in test/e2e/wait-download.test.ts.
 */
const KEY = 'sk-test-SECRET-e2e-0123456789abcdef';
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await sandboxFixture({ pendingMs: 60_000, runningMs: 60_000 });
});
afterAll(async () => fx.close());

function env(extra: Record<string, string | undefined> = {}) {
  return { DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl, DASHSCOPE_API_KEY: KEY, HOME: fx.dir, ...extra };
}

describe('the built binary: wan create against the sandbox', () => {
  it('no key: exit 3, nothing sent, and where to put one', async () => {
    const before = fx.sandbox.requests.length;
    const r = await runBin(['create', 'a cat'], { env: env({ DASHSCOPE_API_KEY: undefined }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no API key found: set DASHSCOPE_API_KEY/);
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('--sandbox', () => {
  it('create in one process, status in another, with no key and no network', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'wan-state-'));
    const sandboxEnv = { WAN_STATE_DIR: state, WAN_SANDBOX_PENDING: '0s', WAN_SANDBOX_RUNNING: '0s', HOME: state };
    const created = await runBin(['--sandbox', 'create', 'a paper boat', '-s', '832*480'], { env: sandboxEnv });
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    const status = await runBin(['--sandbox', 'status', id, '--json'], { env: sandboxEnv });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ task_id: id, task_status: 'SUCCEEDED' });
  });
});
