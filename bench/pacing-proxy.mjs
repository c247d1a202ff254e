// A forward HTTP proxy for the bench that makes loopback look like a link to OSS: it answers the
// absolute-form requests that `curl -x` and wan's proxy agent send for http:// targets, fetches
// the target, waits `latencyMs` before the response head, and sends the body at `bytesPerSecond`.
// Both contenders go through it, so the figure is the program, not the link.
import http from 'node:http';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/** Starts the proxy on 127.0.0.1; resolves with its URL, a count of requests and a close(). */
export async function startPacingProxy({ bytesPerSecond, latencyMs }) {
  const proxy = { url: '', requests: 0, close: undefined };
  const server = http.createServer((req, res) => {
    proxy.requests++;
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400).end('absolute-form requests only');
      return;
    }
    const headers = withoutHopByHop(req.headers);
    headers.host = target.host;
    const started = performance.now();
    const upstream = http.request(target, { method: req.method, headers }, (answer) => {
      const wait = latencyMs - (performance.now() - started);
      setTimeout(
        () => {
          res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
          pace(answer, res, bytesPerSecond);
        },
        Math.max(0, wait),
      );
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/**
 * Copies `from` to `to` so that byte n leaves no earlier than n / rate after the first: each chunk
 * is held until its last byte is due. Timers fire at millisecond granularity, so a chunk that is
 * due within a millisecond goes at once; the average rate still holds, as the schedule is absolute.
 */
function pace(from, to, bytesPerSecond) {
  const start = performance.now();
  let sent = 0;
  from.on('data', (chunk) => {
    from.pause();
    sent += chunk.length;
    const send = () => {
      if (to.write(chunk)) from.resume();
      else to.once('drain', () => from.resume());
    };
    const wait = start + (sent / bytesPerSecond) * 1000 - performance.now();
    if (wait >= 1) setTimeout(send, wait);
    else send();
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
}

function withoutHopByHop(headers) {
  const kept = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}
