import { redactUrl } from './signed-url.js';

/** A failed attempt that did not get (or did not finish) an HTTP answer, described for humans. */
export interface NetworkFailure {
  detail: string;
  /** A connect, headers or body-stall timeout: reported as TimeoutError once retries run out. */
  timeout: boolean;
}

/**
 * Turns what undici or the socket threw into one line. Error codes are matched, never message text;
 * the message is only used, with the signed query removed, for codes we do not know.
 */
export function describeNetworkFailure(err: unknown, url: string, stallTimeoutMs: number): NetworkFailure {
  const code = errorCode(err);
  switch (code) {
    case 'UND_ERR_BODY_TIMEOUT':
      return { detail: `no data received for ${stallTimeoutMs / 1000} s (stalled)`, timeout: true };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { detail: 'no response headers in time', timeout: true };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { detail: 'connect timed out', timeout: true };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { detail: 'connection closed before the body ended', timeout: false };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { detail: 'body shorter than its Content-Length', timeout: false };
    case 'ECONNRESET':
      return { detail: 'connection reset (ECONNRESET)', timeout: false };
    case 'ECONNREFUSED':
      return { detail: 'connection refused (ECONNREFUSED)', timeout: false };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { detail: `DNS lookup failed (${code})`, timeout: false };
    case 'ETIMEDOUT':
      return { detail: 'connection timed out (ETIMEDOUT)', timeout: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { detail: redactUrl(code ? `${message} (${code})` : message, url), timeout: false };
}

/** undici puts the system error on `cause` for some failures; look one level down. */
function errorCode(err: unknown): string | undefined {
  const own = codeOf(err);
  if (own && own !== 'UND_ERR_SOCKET') return own;
  const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  return codeOf(cause) ?? own;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
