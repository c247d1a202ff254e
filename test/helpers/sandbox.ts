import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';

/** One shared cache of generated videos for the whole run: encoding is the slow part. */
export const VIDEO_CACHE = path.join(os.tmpdir(), 'wan-test-video-cache');

export interface SandboxFixture {
  sandbox: Sandbox;
  clock: { now(): number; advance(ms: number): void };
  /** Requests to the API listener only. */
  apiRequests(): Sandbox['requests'];
  videoRequests(): Sandbox['requests'];
  /** A fresh temporary directory, removed by close(). */
  dir: string;
  close(): Promise<void>;
}

export async function sandboxFixture(options: SandboxOptions = {}): Promise<SandboxFixture> {
  let time = Date.now();
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const sandbox = await startSandbox({ pendingMs: 0, runningMs: 0, videoCacheDir: VIDEO_CACHE, clock, ...options });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wan-test-'));
  return {
    sandbox,
    clock,
    dir,
    apiRequests: () => sandbox.requests.filter((r) => r.listener === 'api'),
    videoRequests: () => sandbox.requests.filter((r) => r.listener === 'video'),
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
