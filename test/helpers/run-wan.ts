import type { Clock } from '../../src/api/clock.js';
import { main } from '../../src/main.js';
import type { OutStream } from '../../src/output/io.js';
import { type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { instantClock } from './fake-clock.js';
import { FAST_SANDBOX } from './sandbox.js';
import { testIO } from './test-io.js';

export interface WanResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WanOptions {
  /** Over the defaults runBin gives too (PATH, CI=true, NO_COLOR=1, a HOME that does not exist); undefined removes. */
  env?: Record<string, string | undefined>;
  /** @default process.cwd() */
  cwd?: string;
  /** All of stdin; absent: an empty stdin that has ended, as runBin gives. */
  stdin?: string;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  /** @default 80 */
  stdoutColumns?: number;
  stderrColumns?: number;
  /**
   * The program's clock. Pass the sandbox fixture's (`fx.clock`): its sleeps move the sandbox's time
   * at once, so waits and polls end without waiting. @default a clock of its own, starting now, whose
   * sleeps return at once
   */
  clock?: Clock;
  /**
   * Asked after every write to stdout or stderr; the first time it says true, the IO's signal fires
   * as Ctrl-C would (the program sees what systemIO gives it on SIGINT).
   */
  interrupt?: (output: { stdout: string; stderr: string }) => boolean;
  /**
   * For `--sandbox`: options over what the program asked for. By default tasks take no time (unless
   * WAN_SANDBOX_PENDING / WAN_SANDBOX_RUNNING say otherwise), videos come from the tests' shared
   * cache, and the sandbox reads the program's clock.
   */
  sandbox?: SandboxOptions;
}

/** The environment runBin gives the binary, with `extra` over it. */
export function binEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: extra.HOME ?? '/nonexistent-home',
    CI: 'true',
    NO_COLOR: '1',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v !== undefined) env[k] = v;
    else if (k !== 'HOME') delete env[k];
  }
  return env;
}

/**
 * Runs `wan args` in this process, as runBin runs the binary: `main(args, io, services)` with a test
 * IO whose home is env.HOME, and stdout, stderr and the exit code kept apart. No time is waited on
 * the wall clock: sleeps go through `clock`, and a `--sandbox` runs in this process on the same clock.
 */
export async function runWan(args: string[], opts: WanOptions = {}): Promise<WanResult> {
  const env = binEnv(opts.env);
  const t = testIO({
    env,
    cwd: opts.cwd ?? process.cwd(),
    home: env.HOME,
    stdin: opts.stdin ?? '',
    stdoutTTY: opts.stdoutTTY,
    stderrTTY: opts.stderrTTY,
    stdoutColumns: opts.stdoutColumns,
    stderrColumns: opts.stderrColumns,
  });
  const { interrupt } = opts;
  if (interrupt) {
    let fired = false;
    const watch = (stream: OutStream) => {
      const write = stream.write.bind(stream);
      stream.write = (chunk: string) => {
        const written = write(chunk);
        if (!fired && interrupt({ stdout: t.out(), stderr: t.err() })) {
          fired = true;
          t.interrupt();
        }
        return written;
      };
    };
    watch(t.io.stdout);
    watch(t.io.stderr);
  }
  const clock = opts.clock ?? instantClock();
  const code = await main(args, t.io, {
    clock,
    startSandbox: (asked) =>
      startSandbox({
        ...asked,
        ...FAST_SANDBOX,
        pendingMs: env.WAN_SANDBOX_PENDING ? asked.pendingMs : 0,
        runningMs: env.WAN_SANDBOX_RUNNING ? asked.runningMs : 0,
        clock,
        ...opts.sandbox,
      }),
  });
  return { code, stdout: t.out(), stderr: t.err() };
}

/** A result as text, for the message of a failed expectation. */
export function show(r: WanResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
