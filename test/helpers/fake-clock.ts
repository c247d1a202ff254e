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
 * delay at once, so the sandbox (reading the same time) sees the wait as over. Unlike fakeClock's,
 * each sleep then yields to the event loop (setImmediate), so a loop that sleeps while a request of
 * another loop is in flight does not starve it of I/O. Concurrent sleeps add up: time moves at least
 * as far as each sleeper asked, never less, so pacing and rate limits hold as they would in real time.
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
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new AbortedError();
    },
  };
}

/** A steppedClock over its own time, starting at `start`. */
export function instantClock(start = Date.now()): Clock & SteppedTime & { sleeps: number[] } {
  let t = start;
  return steppedClock({ now: () => t, advance: (ms) => void (t += ms) });
}
