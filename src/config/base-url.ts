import { isDashScopeHost } from '../api/regions.js';
import { showValue } from './show-value.js';

const EXAMPLE = 'e.g. https://dashscope-intl.aliyuncs.com/api/v1';

/**
 * `http(s)://host[:port]/path`, with a trailing slash stripped, or the reason the input is not one.
 * Paths are appended to it as the official SDK appends them to `DASHSCOPE_HTTP_BASE_URL`, so a
 * gateway may put any path before (or instead of) `/api/v1`; DashScope's own hosts serve `/api/v1`.
 * @internal
 */
export function normalizeBaseUrl(input: string): string | { reason: string } {
  // `new URL('localhost:8080/api/v1')` parses `localhost:` as a scheme, so check the scheme by hand first.
  if (!/^https?:\/\//i.test(input))
    return { reason: `${shown(input)} must start with http:// or https:// (${EXAMPLE})` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { reason: `${shown(input)} is not a URL (${EXAMPLE})` };
  }
  if (url.username || url.password) return { reason: `${shown(input)} must not contain a user name or password` };
  if (url.search || url.hash) return { reason: `${shown(input)} must not have a query or fragment` };
  const path = url.pathname.replace(/\/+$/, '');
  if (isDashScopeHost(url.hostname) && path !== '/api/v1') {
    return {
      reason: `${shown(input)}: DashScope's hosts serve the API at /api/v1, not ${JSON.stringify(url.pathname)}`,
    };
  }
  return `${url.protocol}//${url.host}${path}`;
}

/** The URL as an error may quote it: never the password of `user:password@`. */
function shown(input: string): string {
  return showValue(input.replace(/^(\w+:\/\/)[^/@]*@/, '$1…@'));
}

/** Plain http is fine for the local sandbox, but anywhere else it would send the key in clear text. */
export function isInsecureRemote(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'http:' && host !== 'localhost' && host !== '::1' && !host.startsWith('127.');
}
