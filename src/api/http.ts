import type { Dispatcher } from 'undici';
import type * as z from 'zod/mini';
import { loadUndici } from './load-undici.js';
import './zod-english.js';
import type { Clock } from './clock.js';
import { AbortedError } from './errors/aborted-error.js';
import { AccountError } from './errors/account-error.js';
import { ApiError } from './errors/api-error.js';
import { AuthError } from './errors/auth-error.js';
import { ConnectionError, TimeoutError } from './errors/connection-error.js';
import { MissingKeyError } from './errors/missing-key-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { ResponseShapeError } from './errors/response-shape-error.js';
import { describeError, redactHeaders } from './redact.js';
import { parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';
import { apiErrorBodySchema, text as textOf } from './schemas.js';

/** Everything one API call needs from the client; built once by WanClient. */
export interface HttpContext {
  baseUrl: string;
  apiKey?: string;
  workspace?: string;
  /** The caller's, or the client's own Agent, made on first use (load-undici.ts). */
  dispatcher(): Promise<Dispatcher>;
  clock: Clock;
  retry: RetryPolicy;
  random: () => number;
  userAgent: string;
  onDebug?: (line: string) => void;
}

export interface ApiCall<S extends z.ZodMiniType> {
  /** Used in messages: `create task`, `query task`. */
  operation: string;
  method: 'GET' | 'POST';
  /** Relative to the base URL, already escaped. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  schema: S;
  /**
   * `idempotent`: retried on connection errors and 408/429/5xx.
   * `create`: retried only when nothing can have been created (a 429 Throttling answer, or a
   * connection refused before the request was sent): DashScope has no idempotency key.
   */
  retry: 'idempotent' | 'create';
  signal?: AbortSignal;
}

/** Larger bodies are not an answer this API gives; refuse rather than buffer them. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

// Failures that happen before a single byte of the request left this machine.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export async function apiCall<S extends z.ZodMiniType>(ctx: HttpContext, call: ApiCall<S>): Promise<z.infer<S>> {
  if (!ctx.apiKey) throw new MissingKeyError();
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptCall(ctx, call);
    } catch (err) {
      if (err instanceof ApiError || err instanceof ConnectionError) err.attempts = attempt;
      const delay = nextDelay(ctx, call, err, attempt);
      if (delay === undefined) {
        if (call.retry === 'create' && isAmbiguous(err)) (err as ApiError | ConnectionError).mayHaveCreated = true;
        throw err;
      }
      ctx.onDebug?.(
        `retrying ${call.operation} in ${delay} ms (attempt ${attempt + 1} of ${ctx.retry.attempts}): ${describeError(err)}`,
      );
      await ctx.clock.sleep(delay, call.signal);
    }
  }
}

function nextDelay(ctx: HttpContext, call: ApiCall<z.ZodMiniType>, err: unknown, attempt: number): number | undefined {
  const now = ctx.clock.now();
  if (err instanceof ApiError) {
    // A quota or an unpaid bill does not clear in seconds: said at once, never retried for minutes.
    if (err instanceof AccountError) return undefined;
    if (call.retry === 'create' && !(err instanceof RateLimitError && err.code?.startsWith('Throttling')))
      return undefined;
    const retryAfter =
      err instanceof RateLimitError && err.retryAfterMs !== undefined
        ? String(Math.ceil(err.retryAfterMs / 1000))
        : undefined;
    return retryDelay(attempt, { status: err.status, retryAfter }, ctx.retry, now, ctx.random);
  }
  if (err instanceof ConnectionError) {
    if (call.retry === 'create' && err.sent) return undefined;
    return retryDelay(attempt, {}, ctx.retry, now, ctx.random);
  }
  return undefined;
}

function isAmbiguous(err: unknown): boolean {
  if (err instanceof ConnectionError) return err.sent;
  return err instanceof ApiError && err.status >= 500;
}

/**
 * Every header a call sends, the key included: the one place they are decided, so `--dry-run` shows
 * exactly what a create sends (with the key redacted by the caller).
 */
export function requestHeaders(
  ctx: HttpContext,
  call: Pick<ApiCall<z.ZodMiniType>, 'body' | 'headers'>,
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': ctx.userAgent, ...call.headers };
  // The key goes to the configured API origin only: every URL here is built from the base URL.
  if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`;
  if (ctx.workspace) headers['x-dashscope-workspace'] = ctx.workspace;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

async function attemptCall<S extends z.ZodMiniType>(ctx: HttpContext, call: ApiCall<S>): Promise<z.infer<S>> {
  const url = new URL(ctx.baseUrl + call.path);
  const headers = requestHeaders(ctx, call);
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);

  const started = ctx.clock.now();
  ctx.onDebug?.(`> ${call.method} ${url.href}`);
  for (const [name, value] of Object.entries(redactHeaders(headers))) ctx.onDebug?.(`> ${name}: ${value}`);
  if (body !== undefined) ctx.onDebug?.(`> ${body}`);

  let res: Dispatcher.ResponseData;
  try {
    const [{ request }, dispatcher] = await Promise.all([loadUndici(), ctx.dispatcher()]);
    res = await request(url, { method: call.method, headers, body, dispatcher, signal: call.signal });
  } catch (err) {
    throw toConnectionError(call, url, err);
  }
  let text: string;
  try {
    text = await readCapped(res.body);
  } catch (err) {
    if (err instanceof ResponseShapeError) throw new ResponseShapeError(call.operation, res.statusCode, err.detail);
    throw toConnectionError(call, url, err, true);
  }
  ctx.onDebug?.(`< ${res.statusCode} ${call.operation} (${ctx.clock.now() - started} ms)`);
  ctx.onDebug?.(`< ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);

  const json = parseJson(text);
  if (res.statusCode >= 400) throw toApiError(call.operation, res.statusCode, json, text, res.headers, ctx.clock.now());
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new ResponseShapeError(call.operation, res.statusCode, `unexpected HTTP status ${res.statusCode}`);
  }
  if (json === undefined) {
    throw new ResponseShapeError(
      call.operation,
      res.statusCode,
      `the body is not JSON (${contentType(res.headers)}): ${snippet(text)}`,
    );
  }
  const parsed = call.schema.safeParse(json);
  if (!parsed.success) {
    const requestId = textOf((json as { request_id?: unknown }).request_id);
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(body)';
    throw new ResponseShapeError(call.operation, res.statusCode, `field "${field}": ${issue.message}`, requestId);
  }
  return parsed.data;
}

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new ResponseShapeError('', 0, `the response is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(
  operation: string,
  status: number,
  json: unknown,
  text: string,
  headers: Dispatcher.ResponseData['headers'],
  now: number,
): ApiError {
  const parsed = apiErrorBodySchema.safeParse(json);
  const code = parsed.success ? textOf(parsed.data.code) : undefined;
  const message =
    (parsed.success ? textOf(parsed.data.message) : undefined) ??
    `the service answered HTTP ${status} with ${json === undefined ? `a non-JSON body (${contentType(headers)}): ${snippet(text)}` : 'an error body without a message'}`;
  const requestId = parsed.success ? textOf(parsed.data.request_id) : undefined;
  if (AccountError.matches(code)) return new AccountError(operation, status, code, message, requestId);
  if (status === 401 || status === 403) return new AuthError(operation, status, code, message, requestId);
  if (status === 429) {
    const err = new RateLimitError(operation, status, code, message, requestId);
    const header = headers['retry-after'];
    err.retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
    return err;
  }
  return new ApiError(operation, status, code, message, requestId);
}

function toConnectionError(call: ApiCall<z.ZodMiniType>, url: URL, err: unknown, afterHeaders = false): Error {
  if (call.signal?.aborted) return new AbortedError();
  const code = (err as { code?: string }).code ?? '';
  const detail = describeError(err);
  // A proxy that refuses the CONNECT tunnel aborts the request before it reaches the API.
  const refusedByProxy = code === 'UND_ERR_ABORTED' && /proxy/i.test(detail);
  const sent = afterHeaders || !(NOT_SENT_CODES.has(code) || refusedByProxy);
  const Type = /TIMEOUT/.test(code) ? TimeoutError : ConnectionError;
  return new Type(call.operation, url.host, sent, detail, { cause: err });
}

function contentType(headers: Dispatcher.ResponseData['headers']): string {
  const value = headers['content-type'];
  return (Array.isArray(value) ? value[0] : value) ?? 'no content type';
}

/** A short, single-line, tag-free excerpt of a body, for messages about gateway pages. */
function snippet(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > 120 ? `${plain.slice(0, 120)}…` : plain || '(empty)';
}
