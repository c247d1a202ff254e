import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { ProxyRoute } from './proxy.js';

/** How long each step of opening a connection took, in milliseconds. */
export interface ConnectTiming {
  /** Name lookup of the host connected to (absent for an IP address). */
  dnsMs?: number;
  /** TCP connect (to the proxy, when there is one). */
  tcpMs: number;
  /** The proxy's answer to CONNECT (https targets through an http proxy). */
  tunnelMs?: number;
  /** TLS handshake with the target (https targets). */
  tlsMs?: number;
  /** Through a proxy, the target itself was not reached by this probe (http targets are forwarded per request). */
  proxyOnly?: boolean;
}

/** A failed probe: `step` says which part failed, `code` is Node's (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, …). */
export class ConnectProbeError extends Error {
  override readonly name = 'ConnectProbeError';
  constructor(
    readonly step: 'dns' | 'tcp' | 'proxy' | 'tls' | 'timeout',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ConnectProbeOptions {
  /** The whole probe, every step included. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Opens (and closes) one connection to `target` the way a request would travel on `route`: DNS,
 * TCP and TLS for a direct https target; for a proxied https target, TCP to the proxy, CONNECT,
 * then TLS to the target through the tunnel. Sends no request, so no key, and is bounded by
 * `timeoutMs` in all.
 */
export async function probeConnect(
  target: URL,
  route: ProxyRoute,
  options: ConnectProbeOptions,
): Promise<ConnectTiming> {
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectProbeError(
            'timeout',
            `no connection within ${Math.round(options.timeoutMs / 100) / 10} s`,
            'ETIMEDOUT',
          ),
        ),
      options.timeoutMs,
    );
    onAbort = () => reject(options.signal!.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([steps(target, route, sockets), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    // Outermost first: a TLS socket takes its transport down with it. The other order crashed
    // Node 20 (SIGSEGV) for TLS over a CONNECT tunnel.
    for (const socket of sockets.reverse()) socket.destroy();
  }
}

async function steps(target: URL, route: ProxyRoute, sockets: net.Socket[]): Promise<ConnectTiming> {
  const secure = target.protocol === 'https:';
  const targetPort = Number(target.port) || (secure ? 443 : 80);
  const targetHost = target.hostname.replace(/^\[|\]$/g, '');
  if (route.kind !== 'proxy') {
    const { dnsMs, address } = await resolve(targetHost);
    const { socket, ms: tcpMs } = await tcp(address, targetPort, sockets);
    if (!secure) return { dnsMs, tcpMs };
    const tlsMs = await handshake(socket, targetHost, sockets);
    return { dnsMs, tcpMs, tlsMs };
  }
  const proxy = new URL(route.proxy.url);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  const { dnsMs, address } = await resolve(proxyHost);
  let { socket, ms: tcpMs } = await tcp(address, proxyPort, sockets);
  if (proxy.protocol === 'https:') {
    socket = tlsSocket(socket, proxyHost, sockets);
    tcpMs += await handshake(socket, proxyHost, sockets, true);
  }
  // An http target is sent to the proxy as one absolute-URI request per call, and a SOCKS proxy
  // speaks another protocol: reaching the proxy is all this probe can check for them.
  if (!secure || !proxy.protocol.startsWith('http')) return { dnsMs, tcpMs, proxyOnly: true };
  const tunnelMs = await connectTunnel(socket, `${target.hostname}:${targetPort}`, proxy);
  const tlsMs = await handshake(socket, targetHost, sockets);
  return { dnsMs, tcpMs, tunnelMs, tlsMs };
}

async function resolve(host: string): Promise<{ dnsMs?: number; address: string }> {
  if (net.isIP(host)) return { address: host };
  const started = performance.now();
  try {
    const { address } = await lookup(host);
    return { dnsMs: elapsed(started), address };
  } catch (err) {
    const code = codeOf(err);
    throw new ConnectProbeError('dns', `cannot resolve ${host} (${code ?? 'lookup failed'})`, code);
  }
}

function tcp(host: string, port: number, sockets: net.Socket[]): Promise<{ socket: net.Socket; ms: number }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const socket = track(net.connect({ host, port }), sockets);
    socket.once('connect', () => resolvePromise({ socket, ms: elapsed(started) }));
    socket.once('error', (err) => {
      const code = codeOf(err);
      reject(
        new ConnectProbeError(
          'tcp',
          `cannot connect to ${net.isIPv6(host) ? `[${host}]` : host}:${port} (${code ?? err.message})`,
          code,
        ),
      );
    });
  });
}

function tlsSocket(socket: net.Socket, servername: string, sockets: net.Socket[]): tls.TLSSocket {
  // `host` is what the certificate is checked against; SNI (`servername`) cannot carry an IP address.
  return track(
    tls.connect({
      socket,
      host: servername,
      servername: net.isIP(servername) ? undefined : servername,
      ALPNProtocols: ['http/1.1'],
    }),
    sockets,
  );
}

/** The TLS handshake over `socket` (upgrading it in place for the caller's later writes is not needed). */
function handshake(
  socket: net.Socket,
  servername: string,
  sockets: net.Socket[],
  alreadyWrapped = false,
): Promise<number> {
  const started = performance.now();
  const secure = alreadyWrapped ? (socket as tls.TLSSocket) : tlsSocket(socket, servername, sockets);
  return new Promise((resolvePromise, reject) => {
    secure.once('secureConnect', () => resolvePromise(elapsed(started)));
    secure.once('error', (err) => {
      const code = codeOf(err);
      reject(
        new ConnectProbeError(
          'tls',
          `TLS with ${servername} failed: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`,
          code,
        ),
      );
    });
  });
}

/** RFC 9110 §9.3.6: `CONNECT host:port`, then a 2xx status line opens the tunnel. */
function connectTunnel(socket: net.Socket, authority: string, proxy: URL): Promise<number> {
  const started = performance.now();
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  return new Promise((resolvePromise, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384)
          finish(new ConnectProbeError('proxy', 'the proxy answered CONNECT with an oversized header'));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head);
      if (!status) return finish(new ConnectProbeError('proxy', 'the proxy did not answer CONNECT with HTTP'));
      if (!status[1]!.startsWith('2'))
        return finish(
          new ConnectProbeError(
            'proxy',
            `the proxy refused CONNECT ${authority}: ${status[1]}${status[2]}`,
            `HTTP_${status[1]}`,
          ),
        );
      finish();
    };
    const onClose = () =>
      finish(
        new ConnectProbeError('proxy', `the proxy closed the connection instead of answering CONNECT ${authority}`),
      );
    const finish = (err?: ConnectProbeError) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolvePromise(elapsed(started));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Kept for the final destroy; a late error on a socket already given up on must not crash the process. */
function track<S extends net.Socket>(socket: S, sockets: net.Socket[]): S {
  socket.on('error', () => {});
  sockets.push(socket);
  return socket;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
