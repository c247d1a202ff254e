/** What a `Range` header asks of an object of `total` bytes. */
export type RangeRequest =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * RFC 9110 §14.1.2 single byte ranges: `bytes=N-M`, `bytes=N-`, `bytes=-SUFFIX`. Like OSS, a header
 * we cannot parse or one with several ranges is ignored (whole object, 200); an end past the object
 * is clamped; a start at or past the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, total: number): RangeRequest {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  const [, first, last] = m;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || total === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, total - suffix), end: total - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return { kind: 'full' };
  if (start >= total) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, total - 1) };
}
