import { Client, type Dispatcher, EnvHttpProxyAgent, Pool } from 'undici';
import { type ProxyPlan, type ProxyServer, proxyPlan, routeFor } from './proxy.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The limits the client's own Agents use (client.ts `Timeouts`), applied through the proxy too. */
export interface DispatcherTimeouts {
  /** TCP (+ TLS) connect: to the proxy, to the target through the tunnel, and direct (NO_PROXY). */
  connectMs: number;
  /** From sending a request to its response headers. */
  headersMs: number;
  /** No body bytes for this long. */
  bodyMs: number;
}

/**
 * An undici EnvHttpProxyAgent for the proxy variables in `env`, or `undefined` when none is set (the
 * caller then keeps its plain Agents). Proxy, targets and NO_PROXY are passed explicitly, so the
 * agent never reads the process environment.
 *
 * `http://` targets are sent to an http proxy as absolute-URI requests (`GET http://host/path`),
 * as curl does, rather than through CONNECT, which many proxies allow only to port 443;
 * `https://` targets always go through a CONNECT tunnel, so the proxy sees only `host:443`.
 */
export function proxyDispatcher(env: Env, timeouts: DispatcherTimeouts): Dispatcher | undefined {
  const plan = proxyPlan(env);
  return plan ? createProxyDispatcher(plan, timeouts) : undefined;
}

export function createProxyDispatcher(plan: ProxyPlan, timeouts: DispatcherTimeouts): Dispatcher {
  const poolTimeouts = { headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyMs };
  const agent = new EnvHttpProxyAgent({
    httpProxy: plan.http?.url ?? '',
    httpsProxy: plan.https?.url ?? '',
    noProxy: plan.noProxy,
    connect: { timeout: timeouts.connectMs },
    ...poolTimeouts,
    // ProxyAgent replaces `connect` with its tunnel, so the connect limits go here instead.
    proxyTls: { timeout: timeouts.connectMs },
    requestTls: { timeout: timeouts.connectMs },
    proxyTunnel: false,
    // The pool that talks absolute-URI HTTP to the proxy is made with `{ connect }` only; without
    // this it would get undici's 5-minute header and body timeouts instead of ours.
    factory: (origin: string | URL, opts: object) => {
      const options = { ...poolTimeouts, ...(opts as Pool.Options & { connections?: number }) };
      return options.connections === 1 ? new Client(origin, options) : new Pool(origin, options);
    },
    // The client that sends CONNECT: a proxy that accepts the socket but never answers must not hang.
    clientFactory: (origin: URL, opts: object) =>
      new Pool(origin, { ...(opts as Pool.Options), headersTimeout: timeouts.headersMs }),
  });
  return agent.compose(nameTheProxy(plan));
}

/**
 * A failure before any response, on a proxied route, says which proxy (and which variable) was
 * involved: "cannot reach api.example.com: connect ECONNREFUSED 10.0.0.1:3128" alone reads like the
 * API is down. The error keeps its `code`, so retry decisions do not change.
 */
function nameTheProxy(plan: ProxyPlan): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const route = opts.origin ? routeFor(plan, String(opts.origin)) : { kind: 'direct' as const };
    return dispatch(opts, route.kind === 'proxy' ? new ProxyErrorHandler(handler, route.proxy) : handler);
  };
}

class ProxyErrorHandler implements Dispatcher.DispatchHandler {
  private responded = false;
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly proxy: ProxyServer,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ): void {
    this.responded = true;
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1],
  ): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.inner.onResponseError?.(controller, this.responded ? error : proxyError(error, this.proxy));
  }
}

/** Codes of a socket that never connected; when the error names the proxy's own address, the proxy is the problem. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/** `error` with the proxy named in its message; `code`, `name` and the original (as `cause`) are kept. */
export function proxyError(error: Error, proxy: ProxyServer): Error {
  const code = (error as { code?: unknown }).code;
  // Only undici's and Node's own errors (string codes); an abort reason (a DOMException, numeric
  // code) is the user's doing, not the proxy's. undici names a refused CONNECT "AbortError" too.
  if (typeof code !== 'string') return error;
  const where = `proxy ${proxy.shown} (${proxy.variable})`;
  const message =
    CONNECT_FAILURES.has(code) && isProxyAddress(error, proxy)
      ? `cannot connect to ${where}: ${error.message}`
      : `${error.message} (through ${where})`;
  const annotated = new Error(message, { cause: error });
  annotated.name = error.name;
  Object.assign(annotated, { code });
  return annotated;
}

/** Node's connect errors carry the address and port they tried (`hostname` for a failed lookup). */
function isProxyAddress(error: Error, proxy: ProxyServer): boolean {
  const url = new URL(proxy.url);
  const proxyHost = url.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const { address, port, hostname } = error as { address?: string; port?: number; hostname?: string };
  if (hostname !== undefined) return hostname === proxyHost;
  // With a host name, `address` is whatever it resolved to: the port has to do.
  return port === proxyPort && (address === proxyHost || /[a-z]/i.test(proxyHost));
}
