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
