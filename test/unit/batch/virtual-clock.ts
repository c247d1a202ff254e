import type { Clock } from '../../../src/api/clock.js';
import { AbortedError } from '../../../src/api/errors/aborted-error.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Discrete-event time for tests of code that sleeps concurrently: sleeps wait for `run()`, which
 * lets every pending promise settle, then jumps to the earliest timer. Nothing waits on the wall clock.
 */
export function virtualClock(start = 0): Clock & { run<T>(until: Promise<T>): Promise<T> } {
  let now = start;
  let seq = 0;
  const timers: Timer[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new AbortedError());
        const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            timers.splice(timers.indexOf(timer), 1);
            reject(new AbortedError());
          },
          { once: true },
        );
      });
    },
    async run<T>(until: Promise<T>): Promise<T> {
      let done = false;
      const result = until.finally(() => (done = true));
      result.catch(() => undefined);
      for (;;) {
        await settle();
        if (done) return result;
        if (timers.length === 0) throw new Error('deadlock: nothing is sleeping and the work is not done');
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}
