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
