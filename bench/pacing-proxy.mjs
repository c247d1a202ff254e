// A forward HTTP proxy for the bench that makes loopback look like a link to OSS. It takes the
// absolute-form requests that `curl -x` and wan's proxy agent send for http:// targets, forwards
// each to its target over a connection of its own, and copies the answer back as raw bytes: the
// first ones `latencyMs` after they arrive, then at `bytesPerSecond`. Only the request head is
// parsed; the response is never parsed or re-framed, which keeps the proxy's own CPU cost low (an
// http.Server-based proxy topped out near 80 MiB/s on the bench machine). Both contenders go
// through it, so the figure compares the programs, not the link.
import net from 'node:net';

/** Starts the proxy on 127.0.0.1; resolves with its URL, a count of requests and a close(). */
export async function startPacingProxy({ bytesPerSecond, latencyMs }) {
  const sockets = new Set();
  const proxy = { url: '', requests: 0, close: undefined };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (data) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      proxy.requests++;
      forward(client, head.subarray(0, end).toString('latin1'), head.subarray(end + 4), sockets, {
        bytesPerSecond,
        latencyMs,
      });
    };
    client.on('data', onData);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** One request: `GET http://host:port/path HTTP/1.1` becomes `GET /path` to host:port, one per connection. */
function forward(client, head, rest, sockets, pacing) {
  const [requestLine, ...fields] = head.split('\r\n');
  const [method, target, version] = requestLine.split(' ');
  let url;
  try {
    url = new URL(target);
  } catch {
    client.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const kept = fields.filter((f) => !/^(proxy-connection|proxy-authorization|connection|keep-alive)\s*:/i.test(f));
  const upstream = net.connect(Number(url.port || 80), url.hostname);
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  upstream.on('connect', () => {
    // One request per connection, both ways: the origin answers with Connection: close, so the
    // client never sends a second request on this socket.
    upstream.write(
      `${method} ${url.pathname}${url.search} ${version}\r\n${kept.join('\r\n')}\r\nconnection: close\r\n\r\n`,
    );
    if (rest.length > 0) upstream.write(rest);
    client.pipe(upstream);
    client.resume();
  });
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  pace(upstream, client, pacing);
}

/**
 * Copies `from` to `to` so that byte n leaves no earlier than `latencyMs` + n / rate after the
 * first one arrived. A chunk that is ahead of that schedule is held (and the source paused) until
 * its last byte is due; timers fire at millisecond granularity, but the schedule is absolute, so
 * the average rate holds.
 */
function pace(from, to, { bytesPerSecond, latencyMs }) {
  let start;
  let sent = 0;
  // The last chunk held back: 'end' comes as soon as the source is drained, which may be while
  // that chunk still waits for its time (pausing does not hold 'end' back).
  let held = Promise.resolve();
  const write = (chunk) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  from.on('data', (chunk) => {
    start ??= performance.now() + latencyMs;
    sent += chunk.length;
    const wait = start + (sent / bytesPerSecond) * 1000 - performance.now();
    if (wait < 1) return write(chunk);
    from.pause();
    held = new Promise((resolve) =>
      setTimeout(() => {
        from.resume();
        write(chunk);
        resolve();
      }, wait),
    );
  });
  from.on('end', () => held.then(() => to.end()));
}
