import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';

/** What one bounded GET saw: enough to judge the key, the endpoint and the clock. */
export interface ProbeResponse {
  status: number;
  /** The `Date` response header, if any (RFC 9110 §6.6.1). */
  date?: string;
  contentType?: string;
  /** At most 64 KiB of the body, as text. */
  body: string;
  /** Local clock (the caller's) when the request was sent and when the headers arrived. */
  sentAt: number;
  receivedAt: number;
  /** Wall time the exchange took, ms. */
  elapsedMs: number;
}

export interface ProbeOptions {
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** The whole exchange, body included; never retried. */
  timeoutMs: number;
  /** The caller's clock, so a test's fake time and the server's Date compare as the CLI would. */
  now: () => number;
  signal?: AbortSignal;
}

const MAX_BODY = 64 * 1024;

/** One GET, no retries, bounded by `timeoutMs`; network failures are thrown as they come from undici. */
export async function probeGet(url: string, options: ProbeOptions): Promise<ProbeResponse> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const started = performance.now();
  const sentAt = options.now();
  try {
    const res = await request(url, { method: 'GET', headers: options.headers, dispatcher: options.dispatcher, signal });
    const receivedAt = options.now();
    let body = '';
    for await (const chunk of res.body) {
      if (body.length < MAX_BODY) body += (chunk as Buffer).toString('utf8');
    }
    return {
      status: res.statusCode,
      date: header(res.headers.date),
      contentType: header(res.headers['content-type']),
      body: body.slice(0, MAX_BODY),
      sentAt,
      receivedAt,
      elapsedMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    if (deadline.aborted && !options.signal?.aborted) {
      throw Object.assign(new Error(`no answer within ${options.timeoutMs / 1000} s`), {
        code: 'ETIMEDOUT',
        cause: err,
      });
    }
    throw err;
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
