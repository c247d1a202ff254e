import { ConfigError } from './config-error.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

// Units in descending order, each at most once: `1h30m`, `2m 5s`, `1500ms`, `1.5h`.
const PATTERN = /^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+(?:\.\d+)?)ms)?$/;

const EXAMPLES = 'use e.g. 500ms, 90s, 10m, 1h30m or a number of seconds';

/**
 * Milliseconds for a duration, or the reason it is not one (for callers that phrase their own errors).
 * @internal
 */
export function durationMs(input: string | number): number | { reason: string } {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { reason: `${input} is not a duration; ${EXAMPLES}` };
    return Math.round(input * 1000);
  }
  const text = input.trim();
  // A bare number is seconds, matching the YAML/JSON form `timeout: 90`.
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const match = PATTERN.exec(text);
  if (!match || text === '' || match.slice(1).every((part) => part === undefined)) {
    return { reason: `${JSON.stringify(input)} is not a duration; ${EXAMPLES}` };
  }
  const [, h, m, s, ms] = match;
  const parts: Array<[string | undefined, number]> = [
    [h, UNIT_MS.h],
    [m, UNIT_MS.m],
    [s, UNIT_MS.s],
    [ms, UNIT_MS.ms],
  ];
  return Math.round(parts.reduce((total, [n, unit]) => total + (n === undefined ? 0 : Number(n) * unit), 0));
}

/**
 * Parses `500ms`, `90s`, `10m`, `1h`, `1h30m` (units h, m, s, ms in that order, decimals allowed)
 * or a bare number of seconds (`90`, `'90'`) into whole milliseconds.
 * @param what names the value in the error, e.g. `--timeout` or `WAN_TIMEOUT`.
 * @throws ConfigError on anything else, including negative numbers.
 */
export function parseDuration(input: string | number, what: string): number {
  const result = durationMs(input);
  if (typeof result === 'number') return result;
  throw new ConfigError(`${what}: ${result.reason}`, what);
}

/** `90000` → `1m30s`, for messages about limits. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let seconds = ms / 1000;
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${seconds ? `${seconds}s` : ''}`;
  return text || '0s';
}
