import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/api/clock.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { type SteppedTime, steppedClock } from './fake-clock.js';

/** One shared cache of generated videos for the whole run: encoding is the slow part. */
export const VIDEO_CACHE = path.join(os.tmpdir(), 'wan-test-video-cache');

export interface SandboxFixture {
  sandbox: Sandbox;
  /**
   * The sandbox's time, which the test moves with advance(). It is also a Clock for the program
   * (runWan's `clock`): a sleep of the program moves the sandbox's time at once.
   */
  clock: Clock & SteppedTime & { sleeps: number[] };
  /** Requests to the API listener only. */
  apiRequests(): Sandbox['requests'];
  videoRequests(): Sandbox['requests'];
  /** A fresh temporary directory, removed by close(). */
  dir: string;
  close(): Promise<void>;
}

/** The options every test sandbox starts with: tasks end at once, videos come from the shared cache. */
export const FAST_SANDBOX: SandboxOptions = { pendingMs: 0, runningMs: 0, videoCacheDir: VIDEO_CACHE };

export async function sandboxFixture(options: SandboxOptions = {}): Promise<SandboxFixture> {
  let time = Date.now();
  const clock = steppedClock({ now: () => time, advance: (ms: number) => void (time += ms) });
  const sandbox = await startSandbox({ ...FAST_SANDBOX, clock, ...options });
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
