import { showValue } from './show-value.js';

const EXAMPLE = 'e.g. https://dashscope-intl.aliyuncs.com/api/v1';

/**
 * `http(s)://host[:port]/api/v1`, with a trailing slash stripped, or the reason the input is not one.
 * The path must be exactly `/api/v1` because the client appends `/services/aigc/...` and `/tasks/...`
 * to it, as the official SDK does with `DASHSCOPE_HTTP_BASE_URL`.
 * @internal
 */
export function normalizeBaseUrl(input: string): string | { reason: string } {
  const shown = showValue(input);
  // `new URL('localhost:8080/api/v1')` parses `localhost:` as a scheme, so check the scheme by hand first.
  if (!/^https?:\/\//i.test(input)) return { reason: `${shown} must start with http:// or https:// (${EXAMPLE})` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { reason: `${shown} is not a URL (${EXAMPLE})` };
  }
  if (url.username || url.password) return { reason: `${shown} must not contain credentials` };
  if (url.search || url.hash) return { reason: `${shown} must not have a query or fragment` };
  const path = url.pathname.replace(/\/$/, '');
  if (path !== '/api/v1')
    return { reason: `${shown} must end in /api/v1, not ${JSON.stringify(url.pathname)} (${EXAMPLE})` };
  return `${url.protocol}//${url.host}/api/v1`;
}

/** Plain http is fine for the local sandbox, but anywhere else it would send the key in clear text. */
export function isInsecureRemote(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'http:' && host !== 'localhost' && host !== '::1' && !host.startsWith('127.');
}
