const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * `YYYY-MM-DD HH:mm:ss.SSS` in UTC+8, the shape of `submit_time`/`scheduled_time`/`end_time`
 * (dashscope-api.md §4: a real `end_time` of `16:29:23.053` came with `Expires` 08:29:22Z next day).
 */
export function formatBeijingTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 23).replace('T', ' ');
}

/** `YYYYMMDD` of the Beijing calendar day, used in video object paths. */
export function beijingDay(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** `YYYY-MM-DD` of the Beijing calendar day, used in upload directories (`dashscope-instant/…/2024-07-18/…`). */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Epoch ms of a task-list time parameter, `YYYYMMDDhhmmss` read as UTC+8 (dashscope-api.md §1.2: the
 * timezone is UNCONFIRMED, probably UTC+8 like every other time the service shows), or undefined.
 */
export function parseBeijingCompact(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS;
  // Date.UTC rolls 20260231 over to March; a real calendar time must read back the same.
  const back = new Date(ms + BEIJING_OFFSET_MS);
  const same =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return same ? ms : undefined;
}
