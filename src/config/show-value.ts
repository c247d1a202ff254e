import { maskKey } from './mask.js';

const MAX_SHOWN = 80;

/**
 * A bad value as it is quoted in an error message: JSON-style, cut at 80 characters, and masked
 * when it looks like a DashScope key, because a key pasted into the wrong field must not be echoed.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    if (/sk-[A-Za-z0-9]/.test(value)) return JSON.stringify(maskKey(value));
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
