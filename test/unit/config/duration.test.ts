import { describe, expect, it } from 'vitest';
import { ConfigError, parseDuration } from '../../../src/config/index.js';

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    ['500ms', 500],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2m5s', 125_000],
    ['1m500ms', 60_500],
    ['1.5s', 1_500],
    ['0s', 0],
    ['90', 90_000],
    [' 90s ', 90_000],
    [90, 90_000],
    [0.5, 500],
    [0, 0],
  ])('%j → %i ms', (input, ms) => {
    expect(parseDuration(input, '--timeout')).toBe(ms);
  });

  it.each<string | number>([
    '',
    'abc',
    '-5',
    '-5s',
    '10 m',
    '1d',
    '5sec',
    '30m1h',
    's',
    '1h1h',
    'ms',
    -1,
    Number.NaN,
    Infinity,
  ])('rejects %j, naming what', (input) => {
    let caught: unknown;
    try {
      parseDuration(input, 'WAN_TIMEOUT');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.message).toMatch(
      /^WAN_TIMEOUT: .* is not a duration; use e\.g\. 500ms, 90s, 10m, 1h30m or a number of seconds$/,
    );
    expect(error.source).toBe('WAN_TIMEOUT');
    expect(error.name).toBe('ConfigError');
  });
});
