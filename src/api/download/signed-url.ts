/**
 * Helpers for the pre-signed OSS URLs that Wan returns as `video_url`
 * (`https://<bucket>.<oss-host>/<path>/<task>.mp4?Expires=<unix s>&OSSAccessKeyId=…&Signature=…`,
 * see dashscope-api.md §6.3). The query string is a bearer credential for 24 hours, so everything
 * that leaves this module for messages or logs goes through `describeUrl`.
 */

/**
 * When a signed URL stops working, or `undefined` when it carries no expiry. Reads OSS V1 signatures
 * (`Expires`, absolute unix seconds) and V4 signatures (`x-oss-date` + `x-oss-expires` seconds).
 */
export function urlExpiry(url: string): Date | undefined {
  const params = parse(url)?.searchParams;
  if (!params) return undefined;
  const expires = params.get('Expires');
  if (expires !== null) return /^\d{1,12}$/.test(expires) ? new Date(Number(expires) * 1000) : undefined;
  const signedAt = params.get('x-oss-date');
  const ttl = params.get('x-oss-expires');
  if (signedAt === null || ttl === null || !/^\d{1,9}$/.test(ttl)) return undefined;
  // ISO 8601 basic format in UTC, as OSS V4 signs it: 20250101T120000Z.
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(signedAt);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) + Number(ttl) * 1000);
}

/** Origin and path only: the signed query (and any user info) never appears in messages or logs. */
export function describeUrl(url: string): string {
  const parsed = parse(url);
  return parsed ? `${parsed.protocol}//${parsed.host}${parsed.pathname}` : '<invalid URL>';
}

/** The host (with port, when not the default) for error messages. */
export function urlHost(url: string): string {
  return parse(url)?.host ?? '<invalid URL>';
}

/** Removes the signed query from free text (e.g. a library error message that quoted the URL). */
export function redactUrl(text: string, url: string): string {
  const query = parse(url)?.search;
  return query ? text.split(query).join('?…') : text;
}

/** "2 h 5 min", "3 d 4 h", "45 s": how long ago something happened, for humans. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** The message for a URL that is past its `Expires`: when, how long ago, and why it cannot work. */
export function expiredMessage(url: string, expiry: Date, now: number): string {
  return (
    `the video URL ${describeUrl(url)} expired at ${expiry.toISOString()} (${formatDuration(now - expiry.getTime())} ago): ` +
    'Wan keeps results for 24 hours after the task ends, and the signed link cannot be renewed'
  );
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
