import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

/** What the proxy saw of one request: everything a real proxy operator could read. */
export interface ProxyLogEntry {
  /** `forward`: an absolute-URI request (`GET http://host/path`); `connect`: a CONNECT tunnel. */
  kind: 'forward' | 'connect';
  method: string;
  /** `host:port` of the target. */
  target: string;
  /** The request target as sent: an absolute URI, or `host:port` for CONNECT. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes the client sent through a tunnel (ciphertext for https targets), as latin1 text. */
  tunnel: string;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  log: ProxyLogEntry[];
  /** Requests (forwarded requests and CONNECTs) per target `host:port`. */
  countsByTarget(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

// RFC 9110 §7.6.1: hop-by-hop headers are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A minimal HTTP forward proxy on 127.0.0.1:0 for tests: absolute-URI requests to http targets are
 * forwarded, CONNECT opens a TCP tunnel. It logs everything it can read, so a test can check what
 * went through it and that no secret was visible there.
 */
export async function startForwardProxy(options: { refuseConnect?: number } = {}): Promise<ForwardProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI required');
      return;
    }
    const entry: ProxyLogEntry = {
      kind: 'forward',
      method: req.method ?? '',
      target: url.host,
      url: url.href,
      headers: req.headers,
      body: '',
      tunnel: '',
    };
    log.push(entry);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = http.request(
      { host: url.hostname, port: url.port || 80, method: req.method, path: url.pathname + url.search, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('bad gateway');
      else res.destroy();
    });
    req.on('data', (chunk: Buffer) => (entry.body += chunk.toString('latin1')));
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const entry: ProxyLogEntry = {
      kind: 'connect',
      method: 'CONNECT',
      target,
      url: target,
      headers: req.headers,
      body: '',
      tunnel: head.toString('latin1'),
    };
    log.push(entry);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (options.refuseConnect) {
      client.end(`HTTP/1.1 ${options.refuseConnect} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = splitHostPort(target);
    const upstream = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (chunk: Buffer) => (entry.tunnel += chunk.toString('latin1')));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (!client.writable) return;
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    countsByTarget() {
      const counts: Record<string, number> = {};
      for (const e of log) counts[e.target] = (counts[e.target] ?? 0) + 1;
      return counts;
    },
    reset() {
      log.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(authority: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  return match ? [match[1]!, Number(match[2])] : [authority, 443];
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
