/**
 * When to retry a request and how long to wait first: one pure function, so the policy can be read
 * and tested without a network or a clock. Used for requests that cannot create anything (query,
 * list, download); the create POST has its own, narrower rule in `mayRetryCreate`.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  attempts: number;
  /** First backoff, doubled each attempt. @default 500 ms */
  baseDelayMs: number;
  /** Backoff ceiling. @default 8000 ms */
  maxDelayMs: number;
  /** Ceiling for a server's Retry-After. @default 60000 ms */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** What one failed attempt looked like: an HTTP status, or none for a connection error. */
export interface AttemptOutcome {
  status?: number;
  retryAfter?: string | null;
}

/**
 * Milliseconds to wait before attempt `attempt + 1` (`attempt` counts from 1), or `undefined` for
 * "do not retry". `random` is injectable so tests are deterministic (full jitter: [0, backoff)).
 */
export function retryDelay(
  attempt: number,
  outcome: AttemptOutcome,
  policy: RetryPolicy = DEFAULT_RETRY,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  if (outcome.status !== undefined && !RETRYABLE_STATUSES.has(outcome.status)) return undefined;
  const hinted = parseRetryAfter(outcome.retryAfter, now);
  if (hinted !== undefined) return Math.min(hinted, policy.maxRetryAfterMs);
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.floor(random() * backoff);
}

/** RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date. Anything else is ignored. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always has a weekday and month name; this keeps '-1' and similar out.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
