import type { Clock } from '../api/clock.js';
import { AbortedError } from '../api/errors/aborted-error.js';

/**
 * When a batch may send its next request. Pure logic over an injected clock, so it is tested
 * with a virtual one: no test waits on the wall clock.
 */

/** Wait this long after a 429 that named no Retry-After. */
export const DEFAULT_BACKOFF_MS = 2000;

/**
 * `rate` tokens per second, holding at most `burst`. A burst of 1 (the default) spaces requests
 * exactly 1/rate apart: DashScope counts submissions in a sliding one-second window
 * (dashscope-api.md §6.1), which a burst of `rate` at once followed by steady refills would overrun.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be positive; got ${rate}`);
    this.tokens = burst;
    this.last = now;
  }

  /** Milliseconds until a token is there (0: now). */
  wait(now: number): number {
    this.refill(now);
    // The epsilon keeps float noise (0.998 tokens → 1.0000000000000009 ms) from adding a millisecond.
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate - 1e-9);
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = Math.max(this.last, now);
  }
}

/**
 * One pause shared by everything that talks to the account: when any request is throttled (429),
 * no submission or poll goes out before it ends. The account's limits are shared, so one lane
 * being told to slow down means every lane is.
 */
export class SharedBackoff {
  private until = 0;
  /** How many 429s were seen, for the summary. */
  hits = 0;

  hit(now: number, retryAfterMs?: number): void {
    this.hits++;
    this.until = Math.max(this.until, now + (retryAfterMs ?? DEFAULT_BACKOFF_MS));
  }

  remaining(now: number): number {
    return Math.max(0, this.until - now);
  }
}

export interface SchedulerOptions {
  /** Submissions per second. */
  rate: number;
  /** Tasks created and not yet finished, at most. `Infinity`: only the rate applies. */
  concurrency: number;
  clock: Clock;
  /** Shared with the other lanes and the poller. @default a new one */
  backoff?: SharedBackoff;
  /** @default 1 */
  burst?: number;
  /**
   * Pace this fraction under `rate` (0.1: 10 % slower). The service counts arrivals in a sliding
   * second, and the network and the journal's fsync before each create move sends by tens of
   * milliseconds: exact spacing then sometimes lands one more in a second than allowed.
   * @default 0
   */
  headroom?: number;
  /**
   * Also keep to `rate` in every sliding window as the service sees arrivals: a submission waits
   * until the one `floor(rate)` submissions back was answered a window ago (each admission's
   * {@link Submission.answered} must be called). The token bucket spaces admissions, but the journal's
   * fsync and the network between admission and arrival vary; a slow one followed by a fast one
   * would otherwise land one too many in a second (a 429, and a second lost) once slots free quickly.
   * @default false
   */
  slidingWindow?: boolean;
}

/** One admitted submission: say when its request was answered (or failed, or was never sent). */
export interface Submission {
  answered(): void;
}

/**
 * Admits submissions one at a time, first come first served: each waits for a free slot (fewer than
 * `concurrency` tasks in flight), a token (at most `rate` per second) and the end of any shared
 * backoff. A slot is held from admission until `release()` (the task finished, or its create failed).
 */
export class Scheduler {
  readonly backoff: SharedBackoff;
  readonly concurrency: number;
  private readonly bucket: TokenBucket;
  private readonly clock: Clock;
  private active = 0;
  /** The admission in progress; the next caller waits for it (FIFO). */
  private turn: Promise<unknown> = Promise.resolve();
  private waiters: Array<() => void> = [];
  /** The last `windowCount` admissions, oldest first: when each was answered (undefined: not yet). */
  private readonly recent: Array<{ answeredAt?: number }> = [];
  private readonly windowCount: number;
  private readonly windowMs: number;

  constructor(options: SchedulerOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1; got ${options.concurrency}`);
    this.clock = options.clock;
    this.concurrency = options.concurrency;
    this.backoff = options.backoff ?? new SharedBackoff();
    this.bucket = new TokenBucket(
      options.rate / (1 + (options.headroom ?? 0)),
      options.burst ?? 1,
      options.clock.now(),
    );
    // `rate` per second is floor(rate) per floor(rate)/rate seconds (rate 0.5: one per 2 s).
    this.windowCount = options.slidingWindow ? Math.max(1, Math.floor(options.rate)) : 0;
    this.windowMs = (Math.max(1, Math.floor(options.rate)) / options.rate) * 1000;
  }

  /** Tasks holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /** Resolves when a submission may go out now, holding a slot; rejects with AbortedError on `signal`. */
  acquire(signal?: AbortSignal): Promise<Submission> {
    const admitted = this.turn.then(() => this.admit(signal));
    this.turn = admitted.catch(() => undefined);
    return admitted;
  }

  /** Waits for the rate and the backoff only, holding no slot: for queries. */
  async pace(signal?: AbortSignal): Promise<void> {
    await this.acquire(signal);
    this.release();
  }

  /** Counts a task that already exists (resumed from an earlier run) against the concurrency; never waits. */
  adopt(): void {
    this.active++;
  }

  /** A task finished, or its create failed: its slot is free. */
  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.wake();
  }

  /** A request was throttled: nothing goes out for `retryAfterMs` (or DEFAULT_BACKOFF_MS). */
  throttle(retryAfterMs?: number): void {
    this.backoff.hit(this.clock.now(), retryAfterMs);
  }

  private async admit(signal?: AbortSignal): Promise<Submission> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError();
      if (this.active >= this.concurrency) {
        await this.slotFreed(signal);
        continue;
      }
      // The submission `windowCount` back must have been answered, a window ago.
      const back =
        this.recent.length >= this.windowCount ? this.recent[this.recent.length - this.windowCount] : undefined;
      if (back && back.answeredAt === undefined) {
        await this.slotFreed(signal);
        continue;
      }
      const now = this.clock.now();
      const windowWait = back?.answeredAt !== undefined ? back.answeredAt + this.windowMs - now : 0;
      const wait = Math.max(this.backoff.remaining(now), this.bucket.wait(now), windowWait);
      if (wait > 0) {
        // Re-checked after the sleep: a 429 seen meanwhile may have moved the backoff on.
        await this.clock.sleep(wait, signal);
        continue;
      }
      this.bucket.take(now);
      this.active++;
      return this.submission();
    }
  }

  private submission(): Submission {
    if (this.windowCount === 0) return { answered: () => undefined };
    const entry: { answeredAt?: number } = {};
    this.recent.push(entry);
    if (this.recent.length > this.windowCount) this.recent.shift();
    return {
      answered: () => {
        if (entry.answeredAt !== undefined) return;
        entry.answeredAt = this.clock.now();
        this.wake();
      },
    };
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private slotFreed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new AbortedError());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}
