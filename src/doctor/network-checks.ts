import { Agent, type Dispatcher } from 'undici';
import type { Clock } from '../api/clock.js';
import { AbortedError } from '../api/errors/index.js';
import { describeError } from '../api/redact.js';
import type { ResolvedConfig } from '../config/index.js';
import { type ProbeResponse, probeGet } from '../net/api-probe.js';
import { ConnectProbeError, type ConnectTiming, probeConnect } from '../net/connect-probe.js';
import { type ProxyPlan, type ProxyRoute, routeFor } from '../net/proxy.js';
import { proxyDispatcher } from '../net/proxy-dispatcher.js';
import type { IO } from '../output/io.js';
import { type CheckResult, result } from './check-result.js';

/** A well-formed id no task has: the cheapest authenticated request there is (the answer is UNKNOWN). */
const PROBE_TASK_ID = '00000000-0000-0000-0000-000000000000';
/** Network checks give up after this much, whatever the configured timeouts: a doctor must not hang. */
const CONNECT_LIMIT_MS = 5_000;
const REQUEST_LIMIT_MS = 8_000;
/** Signed video URLs are judged expired by the local clock (download/signed-url.ts). */
const CLOCK_SKEW_WARN_S = 60;

export interface NetworkInput {
  config?: ResolvedConfig;
  baseUrl?: string;
  apiKey?: string;
  plan?: ProxyPlan;
  proxyOk: boolean;
  sandbox: boolean;
}

/** connection, key-accepted and clock: one TCP/TLS probe, then one GET whose answer serves both of the others. */
export async function networkChecks(
  deps: { io: IO; clock: Clock; signal: AbortSignal },
  input: NetworkInput,
): Promise<{ results: CheckResult[]; keyRejected: boolean }> {
  const { config, baseUrl, apiKey, plan } = input;
  const skipAll = (why: string, fix: string) => ({
    results: ['connection', 'key-accepted', 'clock'].map((check) => result(check, 'skip', why, fix)),
    keyRejected: false,
  });
  if (!config || !baseUrl) return skipAll('not tried: no endpoint', 'fix the config check first');
  if (!input.proxyOk) return skipAll('not tried: the proxy settings are unusable', 'fix the proxy check first');

  const target = new URL(baseUrl);
  const route = routeFor(plan, target);
  const connectMs = Math.min(config.values.connectTimeout, CONNECT_LIMIT_MS);
  const results: CheckResult[] = [];
  try {
    const timing = await probeConnect(target, route, { timeoutMs: connectMs, signal: deps.signal });
    results.push(result('connection', 'pass', connectionText(target, route, timing)));
  } catch (err) {
    if (deps.signal.aborted) throw new AbortedError();
    const through = route.kind === 'proxy' ? `${target.host} through ${route.proxy.shown}: ` : '';
    results.push(result('connection', 'fail', `${through}${(err as Error).message}`, connectionFix(err, route)));
    results.push(result('key-accepted', 'skip', 'not tried: the API is not reachable', 'see the connection check'));
    results.push(result('clock', 'skip', 'not compared: the API is not reachable', 'see the connection check'));
    return { results, keyRejected: false };
  }

  const limits = {
    connectMs,
    headersMs: Math.min(config.values.requestTimeout, REQUEST_LIMIT_MS),
    bodyMs: Math.min(config.values.stallTimeout, REQUEST_LIMIT_MS),
  };
  const dispatcher: Dispatcher =
    (input.sandbox ? undefined : proxyDispatcher(deps.io.env, limits)) ??
    new Agent({ connect: { timeout: limits.connectMs }, headersTimeout: limits.headersMs, bodyTimeout: limits.bodyMs });
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'wan-cli doctor' };
  // The URL is built from the base URL, so the key goes to the API origin and nowhere else.
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (config.values.workspace) headers['x-dashscope-workspace'] = config.values.workspace;
  let response: ProbeResponse;
  try {
    response = await probeGet(`${baseUrl}/tasks/${PROBE_TASK_ID}`, {
      headers,
      dispatcher,
      timeoutMs: REQUEST_LIMIT_MS,
      now: () => deps.clock.now(),
      signal: deps.signal,
    });
  } catch (err) {
    if (deps.signal.aborted) throw new AbortedError();
    const detail = `GET /tasks/…: ${describeError(err)}`;
    results.push(
      result(
        'key-accepted',
        'fail',
        detail,
        'the connection works but the request did not: run wan --debug status <id> to see the exchange',
      ),
    );
    results.push(result('clock', 'skip', 'not compared: no answer from the API', 'see the key-accepted check'));
    return { results, keyRejected: false };
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
  const key = keyAcceptedCheck(response, apiKey, config);
  results.push(key.result, clockCheck(response));
  return { results, keyRejected: key.rejected };
}

function connectionText(target: URL, route: ProxyRoute, t: ConnectTiming): string {
  const parts = [
    t.dnsMs !== undefined ? `DNS ${t.dnsMs} ms` : undefined,
    `TCP ${t.tcpMs} ms`,
    t.tunnelMs !== undefined ? `CONNECT ${t.tunnelMs} ms` : undefined,
    t.tlsMs !== undefined ? `TLS ${t.tlsMs} ms` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (route.kind !== 'proxy') return `${target.hostname}:${port} (${parts})`;
  if (t.proxyOnly)
    return `proxy ${route.proxy.shown} reachable (${parts}); it forwards each ${target.protocol.replace(':', '')} request to ${target.host}`;
  return `${target.hostname}:${port} through ${route.proxy.shown} (${parts})`;
}

const CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

function connectionFix(err: unknown, route: ProxyRoute): string {
  const proxied = route.kind === 'proxy';
  if (!(err instanceof ConnectProbeError)) return 'check the network';
  if (err.step === 'tls') {
    if (err.code && CA_CODES.has(err.code))
      return 'something on the way (a proxy or firewall) presents its own certificate: point NODE_EXTRA_CA_CERTS at its CA file (PEM)';
    if (err.code === 'CERT_HAS_EXPIRED' || err.code === 'CERT_NOT_YET_VALID')
      return "the certificate's dates do not fit this machine's clock: check the clock, then the host";
    if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return 'the certificate is for another host: check the base URL (wan config)';
    return 'check the base URL (wan config) and whether something intercepts TLS';
  }
  if (err.step === 'proxy')
    return `the proxy would not open a tunnel to the API: ask its admin to allow the API host on port 443, or add the host to NO_PROXY if it is reachable directly`;
  if (proxied) return `is the proxy running and reachable? check ${route.proxy.variable} (wan doctor shows it above)`;
  if (err.step === 'dns')
    return 'check the host of the base URL (wan config) and your DNS; behind a corporate proxy, set HTTPS_PROXY=http://proxy:port';
  if (err.code === 'ECONNREFUSED') return 'nothing answers on that port: check the base URL (wan config)';
  return 'a firewall may be dropping the connection; if you must use a proxy, set HTTPS_PROXY=http://proxy:port';
}

function keyAcceptedCheck(
  res: ProbeResponse,
  apiKey: string | undefined,
  config: ResolvedConfig,
): { result: CheckResult; rejected: boolean } {
  const body = parseJson(res.body);
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const message = typeof body?.message === 'string' ? body.message : undefined;
  const said = [code, message].filter(Boolean).join(': ');
  const taken = `in ${res.elapsedMs} ms`;
  if (!apiKey)
    return {
      result: result(
        'key-accepted',
        'skip',
        `not tried: no key (the API answered ${res.status} ${taken})`,
        'see the api-key check',
      ),
      rejected: false,
    };
  if (res.status === 401 || res.status === 403) {
    return {
      result: result(
        'key-accepted',
        'fail',
        `the API refused the key: ${res.status}${said ? ` ${said}` : ''}`,
        `keys belong to one region: this is ${config.values.region} (--region or WAN_REGION); check DASHSCOPE_API_KEY${config.values.workspace ? ' and WAN_WORKSPACE' : ''} in the Model Studio console`,
      ),
      rejected: true,
    };
  }
  const status =
    body?.output && typeof body.output === 'object'
      ? (body.output as { task_status?: unknown }).task_status
      : undefined;
  if (res.status === 200 && typeof status === 'string')
    return { result: result('key-accepted', 'pass', `a task lookup answered ${status} ${taken}`), rejected: false };
  if (res.status === 429)
    return {
      result: result(
        'key-accepted',
        'warn',
        `throttled (429${said ? ` ${said}` : ''}): the key was read, the account is over its rate`,
        'wait a minute and run wan doctor again',
      ),
      rejected: false,
    };
  const shape = body
    ? `${res.status}${said ? ` ${said}` : ''}`
    : `${res.status} with ${res.contentType ?? 'no content type'}, not DashScope JSON`;
  const fix =
    res.status === 404
      ? 'the base URL must be a DashScope endpoint ending in /api/v1 (wan config)'
      : body
        ? 'the service had a problem: try again later, or see the Model Studio status page'
        : 'something other than DashScope answered (a proxy or captive portal?): check the base URL and proxy';
  return { result: result('key-accepted', 'fail', `unexpected answer: ${shape}`, fix), rejected: false };
}

function clockCheck(res: ProbeResponse): CheckResult {
  const server = res.date ? Date.parse(res.date) : Number.NaN;
  if (Number.isNaN(server))
    return result(
      'clock',
      'warn',
      'the server sent no usable Date header to compare with',
      'nothing to do unless downloads report expired URLs; then check the clock',
    );
  // The Date header has whole seconds: the server's time was in [server, server + 1 s) when it answered.
  const local = (res.sentAt + res.receivedAt) / 2;
  const skewS = Math.round((local - (server + 500)) / 1000);
  const side = skewS > 0 ? 'ahead of' : 'behind';
  const detail =
    skewS === 0 ? "within a second of the server's clock" : `${Math.abs(skewS)} s ${side} the server's clock`;
  if (Math.abs(skewS) > CLOCK_SKEW_WARN_S) {
    return result(
      'clock',
      'warn',
      `${detail}: video URLs expire by the server's clock but wan judges expiry by this one`,
      'synchronise the clock (e.g. timedatectl set-ntp true, or w32tm /resync)',
    );
  }
  return result('clock', 'pass', detail);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
