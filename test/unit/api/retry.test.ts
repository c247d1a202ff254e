import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, parseRetryAfter, retryDelay } from '../../../src/api/retry.js';

const now = Date.parse('2026-11-24T12:00:00Z');
const half = () => 0.5;

describe('retryDelay', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(retryDelay(1, { status }, DEFAULT_RETRY, now, half)).toBe(250);
  });
  it.each([400, 401, 403, 404, 501])('does not retry %i', (status) => {
    expect(retryDelay(1, { status }, DEFAULT_RETRY, now, half)).toBeUndefined();
  });
  it('retries connection errors with doubling, capped, full-jitter backoff', () => {
    const max = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => retryDelay(a, {}, { ...DEFAULT_RETRY, attempts: 10 }, now, max))).toEqual([
      499, 999, 1999, 3999,
    ]);
    expect(retryDelay(9, {}, { ...DEFAULT_RETRY, attempts: 10 }, now, max)).toBe(7999);
  });
  it('stops after the last attempt', () => {
    expect(retryDelay(5, { status: 503 }, DEFAULT_RETRY, now, half)).toBeUndefined();
  });
  it('honours Retry-After in seconds and as a date, capped at 60 s', () => {
    expect(retryDelay(1, { status: 429, retryAfter: '3' }, DEFAULT_RETRY, now, half)).toBe(3000);
    expect(
      retryDelay(1, { status: 503, retryAfter: new Date(now + 10_000).toUTCString() }, DEFAULT_RETRY, now, half),
    ).toBe(10_000);
    expect(retryDelay(1, { status: 429, retryAfter: '3600' }, DEFAULT_RETRY, now, half)).toBe(60_000);
  });
  it('ignores a Retry-After it cannot read', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(retryDelay(1, { status: 429, retryAfter: 'soon' }, DEFAULT_RETRY, now, half)).toBe(250);
  });
});
