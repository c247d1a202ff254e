import type { Clock } from '../../src/api/clock.js';
import { AbortedError } from '../../src/api/errors/index.js';

/** A clock whose sleeps return at once and move time forward; `sleeps` records every delay asked for. */
export function fakeClock(
  start = Date.parse('2026-11-24T08:00:00Z'),
): Clock & { sleeps: number[]; advance(ms: number): void; time: number } {
  const clock = {
    time: start,
    sleeps: [] as number[],
    now: () => clock.time,
    advance(ms: number) {
      clock.time += ms;
    },
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw new AbortedError();
      clock.sleeps.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

/** Time that a test moves by hand, e.g. a sandbox fixture's clock. */
export interface SteppedTime {
  now(): number;
  advance(ms: number): void;
}

/**
 * A Clock over `time` for a whole program run in-process: every sleep moves `time` forward by its
 * delay at once, so the sandbox (reading the same time) sees the wait as over. Concurrent sleeps add
 * up: time moves at least as far as each sleeper asked, never less, so pacing and rate limits hold
 * as they would in real time.
 *
 * Unlike fakeClock's, a sleep then lets what is already in flight land first (see settle): during a
 * real wait, another loop's journal write and request reach the disk and the sandbox long before the
 * sleeper goes on, and a sleeper that overtook them would reorder what the sandbox sees.
 */
export function steppedClock(time: SteppedTime): Clock & SteppedTime & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time.now(),
    advance: (ms) => time.advance(ms),
    async sleep(ms, signal) {
      if (signal?.aborted) throw new AbortedError();
      sleeps.push(ms);
      time.advance(Math.max(0, ms));
      await settle();
      if (signal?.aborted) throw new AbortedError();
    },
  };
}

/** Requests that are on their way and end soon: file system calls, connects, writes, DNS look-ups. */
const IN_FLIGHT =
  /^(FSReq|FileHandleCloseReq|CloseReq|ConnectWrap|TCPConnectWrap|PipeConnectWrap|WriteWrap|ShutdownWrap|GetAddrInfoReqWrap|GetNameInfoReqWrap|QueryReqWrap)/;

/**
 * Waits until this process has had three turns of its event loop in a row with none of those in
 * flight (so a request written just now has been read by the sandbox too), or `maxMs` of real time.
 * Sockets that stay open, timers and the sandbox's video encoder are not waited for.
 */
export async function settle(maxMs = 200): Promise<void> {
  const until = performance.now() + maxMs;
  let quiet = 0;
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (quiet < 3 && performance.now() < until) {
    quiet = process.getActiveResourcesInfo().some((type) => IN_FLIGHT.test(type)) ? 0 : quiet + 1;
    // A timer, not setImmediate: the loop then waits for I/O instead of spinning.
    await new Promise<void>((resolve) => setTimeout(resolve, quiet === 0 ? 1 : 0));
  }
}

/** A steppedClock over its own time, starting at `start`. */
export function instantClock(start = Date.now()): Clock & SteppedTime & { sleeps: number[] } {
  let t = start;
  return steppedClock({ now: () => t, advance: (ms) => void (t += ms) });
}
