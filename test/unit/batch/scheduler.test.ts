import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../../src/api/errors/aborted-error.js';
import { DEFAULT_BACKOFF_MS, Scheduler, SharedBackoff, TokenBucket } from '../../../src/batch/scheduler.js';
import { virtualClock } from './virtual-clock.js';

describe('TokenBucket', () => {
  it('spaces takes 1/rate apart with a burst of 1, and refills no further than the burst', () => {
    const bucket = new TokenBucket(2, 1, 0);
    expect(bucket.wait(0)).toBe(0);
    bucket.take(0);
    expect(bucket.wait(0)).toBe(500);
    expect(bucket.wait(499)).toBe(1);
    expect(bucket.wait(500)).toBe(0);
    bucket.take(500);
    expect(bucket.wait(10_000)).toBe(0);
    bucket.take(10_000);
    expect(bucket.wait(10_000)).toBe(500);
  });

  it('a burst lets that many through at once', () => {
    const bucket = new TokenBucket(5, 5, 0);
    for (let i = 0; i < 5; i++) {
      expect(bucket.wait(0)).toBe(0);
      bucket.take(0);
    }
    expect(bucket.wait(0)).toBe(200);
  });
});

describe('Scheduler', () => {
  it('admits at most `rate` submissions per second', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 2, concurrency: Infinity, clock });
    const times: number[] = [];
    const all = Promise.all(Array.from({ length: 6 }, () => s.acquire().then(() => times.push(clock.now()))));
    await clock.run(all);
    expect(times).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    // In any sliding one-second window (as the service counts), at most 2.
    for (const t of times) expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(2);
  });

  it('slidingWindow: a submission waits until the one `rate` back was answered a second ago, whatever the send delays', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 2, headroom: 0.1, slidingWindow: true, concurrency: Infinity, clock });
    // How long each submission takes from admission to its answer (a journal fsync, the network).
    const delays = [300, 0, 0, 0, 400, 0];
    const admitted: number[] = [];
    const answered: number[] = [];
    const all = Promise.all(
      delays.map(async (delay, i) => {
        const submission = await s.acquire();
        admitted[i] = clock.now();
        await clock.sleep(delay);
        answered[i] = clock.now();
        submission.answered();
      }),
    );
    await clock.run(all);
    // Paced 10 % under 2/s (550 ms apart), except that the third waits for the first's late answer
    // (at 300) plus a second.
    expect(admitted).toEqual([0, 550, 1300, 1850, 2400, 2950]);
    // So no three can arrive at the service within one second, however long each took to get there.
    for (let i = 2; i < delays.length; i++) expect(admitted[i]! - answered[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('without slidingWindow, answers are not waited for', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 2, concurrency: Infinity, clock });
    const times: number[] = [];
    await clock.run(Promise.all(Array.from({ length: 4 }, () => s.acquire().then(() => times.push(clock.now())))));
    expect(times).toEqual([0, 500, 1000, 1500]);
  });

  it('holds at most `concurrency` in flight; a release admits the next', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 100, concurrency: 2, clock });
    const admitted: Array<[number, number]> = [];
    const task = async (i: number) => {
      await s.acquire();
      admitted.push([i, clock.now()]);
      expect(s.inFlight).toBeLessThanOrEqual(2);
      await clock.sleep(1000);
      s.release();
    };
    await clock.run(Promise.all([0, 1, 2, 3, 4].map(task)));
    expect(admitted.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]); // first come, first served
    expect(admitted.map(([, t]) => t)).toEqual([0, 10, 1000, 1010, 2000]);
  });

  it('adopted tasks count against the concurrency without waiting', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 100, concurrency: 2, clock });
    s.adopt();
    s.adopt();
    let admittedAt = -1;
    const next = s.acquire().then(() => (admittedAt = clock.now()));
    const finish = clock.sleep(3000).then(() => s.release());
    await clock.run(Promise.all([next, finish]));
    expect(admittedAt).toBe(3000);
  });

  it('a 429 pauses every lane sharing the backoff, for its Retry-After', async () => {
    const clock = virtualClock();
    const backoff = new SharedBackoff();
    const a = new Scheduler({ rate: 10, concurrency: Infinity, clock, backoff });
    const b = new Scheduler({ rate: 10, concurrency: Infinity, clock, backoff });
    await clock.run(Promise.all([a.acquire(), b.acquire()]));
    a.throttle(3000);
    const times: Record<string, number> = {};
    await clock.run(
      Promise.all([a.acquire().then(() => (times.a = clock.now())), b.acquire().then(() => (times.b = clock.now()))]),
    );
    expect(times).toEqual({ a: 3000, b: 3000 });
    expect(backoff.hits).toBe(1);
  });

  it('a 429 without Retry-After waits the default; a later, longer one extends the pause', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 10, concurrency: Infinity, clock });
    s.throttle();
    let at = -1;
    const waiting = s.acquire().then(() => (at = clock.now()));
    // Seen while the first submission already waits: it must wait for this one too.
    const later = clock.sleep(1000).then(() => s.throttle(5000));
    await clock.run(Promise.all([waiting, later]));
    expect(DEFAULT_BACKOFF_MS).toBeLessThan(6000);
    expect(at).toBe(6000);
  });

  it('pace() waits for the rate and holds no slot', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 4, concurrency: 1, clock });
    await clock.run(Promise.all([s.pace(), s.pace(), s.pace()]));
    expect(clock.now()).toBe(500);
    expect(s.inFlight).toBe(0);
  });

  it('an abort rejects a waiting acquire with AbortedError', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 1, concurrency: 1, clock });
    await clock.run(s.acquire());
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
  });

  it('makespan: 100 tasks of fixed time T at concurrency 5 finish within 1.1 × 20T', async () => {
    const T = 60_000;
    const clock = virtualClock();
    const s = new Scheduler({ rate: 5, concurrency: 5, clock });
    let peak = 0;
    const task = async () => {
      await s.acquire();
      peak = Math.max(peak, s.inFlight);
      await clock.sleep(T);
      s.release();
    };
    await clock.run(Promise.all(Array.from({ length: 100 }, task)));
    const makespan = clock.now();
    expect(peak).toBe(5);
    expect(makespan).toBeGreaterThanOrEqual(20 * T);
    expect(makespan / (20 * T)).toBeLessThanOrEqual(1.1);
  });

  it('makespan with short tasks is bound by the rate: 100 tasks at 2/s take about 50 s', async () => {
    const clock = virtualClock();
    const s = new Scheduler({ rate: 2, concurrency: 5, clock });
    const task = async () => {
      await s.acquire();
      await clock.sleep(100);
      s.release();
    };
    await clock.run(Promise.all(Array.from({ length: 100 }, task)));
    expect(clock.now()).toBe(99 * 500 + 100);
  });
});
