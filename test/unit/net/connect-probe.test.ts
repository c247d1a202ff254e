import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectProbeError, probeConnect } from '../../../src/net/connect-probe.js';
import { proxyPlan, routeFor } from '../../../src/net/proxy.js';
import { closedPort, type ForwardProxy, startForwardProxy } from '../../helpers/forward-proxy.js';

let tcp: net.Server;
let silent: net.Server;
let proxy: ForwardProxy;
const sockets: net.Socket[] = [];

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // Accepts and closes: enough for TCP, and a TLS handshake fails against it.
  tcp = net.createServer((s) => {
    sockets.push(s);
    s.end();
  });
  // Accepts and never says a word: a proxy that hangs on CONNECT.
  silent = net.createServer((s) => void sockets.push(s));
  proxy = await startForwardProxy();
});
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50)); // let late connections arrive, to be closed too
  for (const s of sockets) s.destroy();
  await proxy.close();
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err as ConnectProbeError,
  );

describe('probeConnect', () => {
  it('times a direct TCP connect (no DNS for an IP address)', async () => {
    const port = await listen(tcp);
    const timing = await probeConnect(
      new URL(`http://127.0.0.1:${port}/api/v1`),
      { kind: 'direct' },
      { timeoutMs: 2000 },
    );
    expect(timing.dnsMs).toBeUndefined();
    expect(timing.tcpMs).toBeGreaterThanOrEqual(0);
    expect(timing.tlsMs).toBeUndefined();
  });

  it('reports a refused connection as the tcp step', async () => {
    const port = await closedPort();
    const error = await fail(
      probeConnect(new URL(`https://127.0.0.1:${port}/api/v1`), { kind: 'direct' }, { timeoutMs: 2000 }),
    );
    expect(error).toBeInstanceOf(ConnectProbeError);
    expect(error).toMatchObject({
      step: 'tcp',
      code: 'ECONNREFUSED',
      message: `cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`,
    });
  });

  it('reports a failed TLS handshake as the tls step', async () => {
    const port = tcp.listening ? (tcp.address() as AddressInfo).port : await listen(tcp);
    const error = await fail(
      probeConnect(new URL(`https://127.0.0.1:${port}/api/v1`), { kind: 'direct' }, { timeoutMs: 2000 }),
    );
    expect(error).toMatchObject({ step: 'tls' });
  });

  it('through a proxy, an https target is reached with CONNECT host:port', async () => {
    const port = tcp.listening ? (tcp.address() as AddressInfo).port : await listen(tcp);
    proxy.reset();
    const url = new URL(`https://127.0.0.1:${port}/api/v1`);
    const route = routeFor(proxyPlan({ HTTPS_PROXY: proxy.url }), url);
    const error = await fail(probeConnect(url, route, { timeoutMs: 2000 }));
    expect(proxy.log).toMatchObject([{ kind: 'connect', url: `127.0.0.1:${port}` }]);
    // The tunnel opened; the TLS handshake then failed against the plain TCP server.
    expect(error).toMatchObject({ step: 'tls' });
  });

  it('through a proxy, an http target only needs the proxy to be reachable', async () => {
    proxy.reset();
    const url = new URL('http://api.example.invalid:8080/api/v1');
    const timing = await probeConnect(url, routeFor(proxyPlan({ HTTP_PROXY: proxy.url }), url), { timeoutMs: 2000 });
    expect(timing.proxyOnly).toBe(true);
    expect(proxy.log).toEqual([]);
  });

  it('reports a proxy that refuses CONNECT as the proxy step', async () => {
    const refusing = await startForwardProxy({ refuseConnect: 407 });
    const url = new URL('https://dashscope.aliyuncs.com/api/v1');
    const error = await fail(
      probeConnect(url, routeFor(proxyPlan({ HTTPS_PROXY: refusing.url }), url), { timeoutMs: 2000 }),
    );
    expect(error).toMatchObject({ step: 'proxy', code: 'HTTP_407' });
    expect(error?.message).toMatch(/refused CONNECT dashscope\.aliyuncs\.com:443: 407/);
    await refusing.close();
  });

  it('gives up at the deadline, whatever the step', async () => {
    const port = await listen(silent);
    const url = new URL('https://dashscope.aliyuncs.com/api/v1');
    const started = Date.now();
    const error = await fail(
      probeConnect(url, routeFor(proxyPlan({ HTTPS_PROXY: `http://127.0.0.1:${port}` }), url), { timeoutMs: 300 }),
    );
    expect(error).toMatchObject({ step: 'timeout', code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops when the signal fires', async () => {
    const port = silent.listening ? (silent.address() as AddressInfo).port : await listen(silent);
    const controller = new AbortController();
    const url = new URL('https://dashscope.aliyuncs.com/api/v1');
    const probe = fail(
      probeConnect(url, routeFor(proxyPlan({ HTTPS_PROXY: `http://127.0.0.1:${port}` }), url), {
        timeoutMs: 5000,
        signal: controller.signal,
      }),
    );
    controller.abort(new Error('interrupted'));
    expect((await probe)?.message).toBe('interrupted');
  });
});
