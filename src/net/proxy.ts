import { ConfigError } from '../config/config-error.js';

/**
 * Which proxy, if any, carries each request: read from the injected environment (`io.env`, not
 * the process's), so `wan` and its tests decide the same way. Node's fetch ignores the proxy
 * variables (landscape.md §4, `bl`'s proxy.ts); undici's EnvHttpProxyAgent honours them, and the
 * rules here mirror that agent's, so what `wan doctor` reports is what the agent does.
 */

/** Variables that name a proxy, in the order undici reads them (lower case wins over upper). */
const HTTP_VARS = ['http_proxy', 'HTTP_PROXY'] as const;
const HTTPS_VARS = ['https_proxy', 'HTTPS_PROXY'] as const;
const NO_PROXY_VARS = ['no_proxy', 'NO_PROXY'] as const;
/** Read by curl and others but not by undici; `wan doctor` says so rather than let them look honoured. */
const IGNORED_VARS = ['all_proxy', 'ALL_PROXY'] as const;

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

type Env = Readonly<Record<string, string | undefined>>;

export interface ProxyServer {
  /** The URL undici connects to (`http://` added when the variable had no scheme, as curl does). */
  url: string;
  /** The URL for messages: a password is shown as `***`. */
  shown: string;
  /** The variable it came from, e.g. `HTTPS_PROXY`. */
  variable: string;
}

export interface NoProxyEntry {
  /** The entry as written. */
  text: string;
  /** Lower case, without a leading `.` or `*.`; matches itself and its subdomains. */
  hostname: string;
  /** 0 = any port. */
  port: number;
}

/** What the proxy variables ask for; `undefined` from proxyPlan() when no proxy is set at all. */
export interface ProxyPlan {
  /** For `http://` targets. */
  http?: ProxyServer;
  /** For `https://` targets: HTTPS_PROXY, else the HTTP_PROXY server (undici's rule; curl differs). */
  https?: ProxyServer;
  /** The NO_PROXY value, `''` when unset. */
  noProxy: string;
  noProxyVariable?: string;
  noProxyEntries: NoProxyEntry[];
}

/** How one request travels. */
export type ProxyRoute =
  | { kind: 'direct' }
  | { kind: 'bypass' /** The NO_PROXY entry that matched, or `*`. */; entry: string; variable: string }
  | { kind: 'proxy'; proxy: ProxyServer };

/**
 * The proxy plan of an environment, or `undefined` when neither HTTP_PROXY nor HTTPS_PROXY (either
 * case) is set, in which case requests go direct and no proxy agent is installed. Empty values
 * count as unset. Throws ConfigError (exit 2) for a value that is not a proxy URL.
 */
export function proxyPlan(env: Env): ProxyPlan | undefined {
  const http = proxyServer(env, HTTP_VARS);
  const https = proxyServer(env, HTTPS_VARS) ?? http;
  if (!http && !https) return undefined;
  const noProxyVariable = firstSet(env, NO_PROXY_VARS);
  const noProxy = noProxyVariable ? env[noProxyVariable]! : '';
  return { http, https, noProxy, noProxyVariable, noProxyEntries: parseNoProxy(noProxy) };
}

/** The route a request to `target` takes under `plan` (the same decision EnvHttpProxyAgent makes). */
export function routeFor(plan: ProxyPlan | undefined, target: string | URL): ProxyRoute {
  if (!plan) return { kind: 'direct' };
  const url = typeof target === 'string' ? new URL(target) : target;
  const proxy = url.protocol === 'https:' ? plan.https : plan.http;
  if (!proxy) return { kind: 'direct' };
  const bypass = bypassingEntry(plan, url);
  if (bypass !== undefined) return { kind: 'bypass', entry: bypass, variable: plan.noProxyVariable ?? 'NO_PROXY' };
  return { kind: 'proxy', proxy };
}

/** Proxy-related variables that are set but that `wan` does not read (ALL_PROXY). */
export function ignoredProxyVariables(env: Env): string[] {
  return IGNORED_VARS.filter((name) => nonEmpty(env[name]));
}

/** NO_PROXY entries `wan` cannot honour: CIDR ranges and wildcards inside a name are compared as plain text. */
export function unsupportedNoProxyEntries(plan: ProxyPlan): string[] {
  return plan.noProxyEntries
    .filter((e) => e.text !== '*' && (e.text.includes('/') || e.hostname.includes('*')))
    .map((e) => e.text);
}

/** A proxy URL for messages: the password (if any) becomes `***`, the path is dropped. */
export function showProxyUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${parsed.username}${parsed.password ? ':***' : ''}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}`;
  } catch {
    return '(not a URL)';
  }
}

function proxyServer(env: Env, names: readonly string[]): ProxyServer | undefined {
  const variable = firstSet(env, names);
  if (!variable) return undefined;
  const raw = env[variable]!.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: an unparsable value may still hold a password.
    throw new ConfigError(`${variable} is not a proxy URL (e.g. http://proxy.example.com:3128)`, variable);
  }
  if (!['http:', 'https:', 'socks:', 'socks5:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigError(
      `${variable}: ${showProxyUrl(url)} is not a proxy URL; use http://, https:// or socks5://host:port`,
      variable,
    );
  }
  return { url, shown: showProxyUrl(url), variable };
}

function firstSet(env: Env, names: readonly string[]): string | undefined {
  return names.find((name) => nonEmpty(env[name]));
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

// undici 7 env-http-proxy-agent.js #parseNoProxy: split on commas and white space, `host:port`
// keeps its port, a leading `.` or `*.` is dropped.
function parseNoProxy(value: string): NoProxyEntry[] {
  const entries: NoProxyEntry[] = [];
  for (const text of value.split(/[,\s]/)) {
    if (!text) continue;
    const parsed = /^(.+):(\d+)$/.exec(text);
    entries.push({
      text,
      hostname: (parsed ? parsed[1]! : text).replace(/^\*?\./, '').toLowerCase(),
      port: parsed ? Number.parseInt(parsed[2]!, 10) : 0,
    });
  }
  return entries;
}

// undici 7 env-http-proxy-agent.js #shouldProxy: `*` alone bypasses everything; otherwise an
// entry matches its host and the host's subdomains, on its port if it names one. No CIDR.
function bypassingEntry(plan: ProxyPlan, url: URL): string | undefined {
  if (plan.noProxyEntries.length === 0) return undefined;
  if (plan.noProxy === '*') return '*';
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  for (const entry of plan.noProxyEntries) {
    if (entry.port && entry.port !== port) continue;
    if (hostname === entry.hostname || hostname.endsWith(`.${entry.hostname}`)) return entry.text;
  }
  return undefined;
}
