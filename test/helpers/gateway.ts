import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Gateway {
  /** `http://127.0.0.1:PORT<prefix>/api/v1`. */
  baseUrl: string;
  /** Paths as the gateway received them. */
  paths: string[];
  close(): Promise<void>;
}

/**
 * A gateway in front of an API, as users put one: it serves the API under its own path prefix and
 * forwards to `target` (a base URL ending in /api/v1), and may rewrite JSON answers on the way
 * back (`rewrite` gets the path and the parsed body; what it returns is sent).
 */
export async function startGateway(
  target: string,
  options: { prefix?: string; rewrite?: (path: string, body: unknown) => unknown } = {},
): Promise<Gateway> {
  const prefix = options.prefix ?? '/gw/dashscope';
  const upstream = new URL(target);
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    const rest = (req.url ?? '').startsWith(prefix) ? (req.url ?? '').slice(prefix.length) : '/not-under-the-prefix';
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: rest, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          let body = Buffer.concat(chunks);
          const headers = { ...up.headers };
          if (options.rewrite && String(up.headers['content-type']).includes('json')) {
            body = Buffer.from(JSON.stringify(options.rewrite(rest, JSON.parse(body.toString('utf8')))));
            headers['content-length'] = String(body.length);
          }
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}/api/v1`,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
