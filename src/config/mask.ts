/** Keys shorter than this (after any `sk-` prefix) are masked completely: 4 of 12 characters is already too many. */
const MIN_REVEAL_LENGTH = 16;

/**
 * A form of an API key that is safe to print: `sk-…` plus at most the last 4 characters
 * (`sk-…3f9a`), or `***` for short keys. DashScope keys are `sk-` + 32 hex digits, so the prefix
 * tells nothing and 4 trailing characters are enough to tell two keys apart.
 */
export function maskKey(key: string): string {
  const trimmed = key.trim();
  const prefix = trimmed.startsWith('sk-') ? 'sk-' : '';
  const body = trimmed.slice(prefix.length);
  if (body.length < MIN_REVEAL_LENGTH) return '***';
  return `${prefix}…${body.slice(-4)}`;
}
