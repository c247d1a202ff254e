import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { proxyPlan, routeFor } from '../../../src/net/proxy.js';
import { createProxyDispatcher, proxyDispatcher, proxyError } from '../../../src/net/proxy-dispatcher.js';
import { closedPort, type ForwardProxy, startForwardProxy } from '../../helpers/forward-proxy.js';

const TIMEOUTS = { connectMs: 2000, headersMs: 2000, bodyMs: 2000 };
let proxy: ForwardProxy;
let target: http.Server;
let port: number;

beforeAll(async () => {
  proxy = await startForwardProxy();
  target = http.createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.end(`hello ${req.url}`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  port = (target.address() as AddressInfo).port;
});
afterAll(async () => {
  await proxy.close();
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});
beforeEach(() => proxy.reset());

describe('proxyDispatcher', () => {
  it('is undefined when no proxy is set, so the client keeps its own Agents', () => {
    expect(proxyDispatcher({ NO_PROXY: '*' }, TIMEOUTS)).toBeUndefined();
  });

  it('sends an http target to the proxy as an absolute-URI request', async () => {
    const dispatcher = proxyDispatcher({ HTTP_PROXY: proxy.url }, TIMEOUTS)!;
    const res = await request(`http://127.0.0.1:${port}/a?b=1`, { dispatcher });
    expect(await res.body.text()).toBe('hello /a?b=1');
    expect(proxy.log).toMatchObject([{ kind: 'forward', method: 'GET', url: `http://127.0.0.1:${port}/a?b=1` }]);
    await dispatcher.close();
  });

  // The description wan doctor gives (routeFor) must be what the agent does.
  it.each(['', '127.0.0.1', 'localhost', '*', '127.0.0.2', `127.0.0.1:PORT`, '127.0.0.1:1', '.0.0.1'])(
    'agrees with routeFor for NO_PROXY=%j',
    async (value) => {
      for (const host of ['127.0.0.1', 'localhost']) {
        proxy.reset();
        const env = { HTTP_PROXY: proxy.url, NO_PROXY: value.replace('PORT', String(port)) };
        const url = `http://${host}:${port}/x`;
        const dispatcher = proxyDispatcher(env, TIMEOUTS)!;
        await (await request(url, { dispatcher })).body.text();
        await dispatcher.close();
        const proxied = proxy.log.length === 1;
        expect({ host, proxied }).toEqual({ host, proxied: routeFor(proxyPlan(env), url).kind === 'proxy' });
      }
    },
  );

  it('names the proxy (not the target) when the proxy refuses connections, keeping the error code', async () => {
    const dead = await closedPort();
    const dispatcher = proxyDispatcher({ HTTP_PROXY: `http://alice:s3cret@127.0.0.1:${dead}` }, TIMEOUTS)!;
    const error = await request(`http://127.0.0.1:${port}/x`, { dispatcher }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(error?.message).toMatch(
      new RegExp(
        `^cannot connect to proxy http://alice:\\*\\*\\*@127\\.0\\.0\\.1:${dead} \\(HTTP_PROXY\\): connect ECONNREFUSED`,
      ),
    );
    expect(error?.message).not.toContain('s3cret');
    expect(error?.code).toBe('ECONNREFUSED');
    await dispatcher.close();
  });

  it("applies the client's header timeout through the proxy (not undici's 5 minutes)", async () => {
    const dispatcher = createProxyDispatcher(proxyPlan({ HTTP_PROXY: proxy.url })!, {
      connectMs: 2000,
      headersMs: 300,
      bodyMs: 300,
    });
    const started = Date.now();
    const error = await request(`http://127.0.0.1:${port}/hang`, { dispatcher }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(error?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(error?.message).toMatch(/\(through proxy http:\/\/127\.0\.0\.1:\d+ \(HTTP_PROXY\)\)$/);
    expect(Date.now() - started).toBeLessThan(5000);
    await dispatcher.destroy();
  });

  it('tunnels https targets with CONNECT, whose refusal names the proxy', async () => {
    const refusing = await startForwardProxy({ refuseConnect: 403 });
    const dispatcher = proxyDispatcher({ HTTPS_PROXY: refusing.url }, TIMEOUTS)!;
    const error = await request('https://dashscope.example.invalid/api/v1/tasks', { dispatcher }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(refusing.log).toMatchObject([{ kind: 'connect', url: 'dashscope.example.invalid:443' }]);
    expect(error?.message).toMatch(/403.*\(through proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\)\)$/);
    await dispatcher.close();
    await refusing.close();
  });
});

describe('proxyError', () => {
  const server = { url: 'http://proxy.corp:3128', shown: 'http://proxy.corp:3128', variable: 'HTTPS_PROXY' };

  it('says "cannot connect to proxy" only when the failed address is the proxy\'s', () => {
    const lookup = Object.assign(new Error('getaddrinfo ENOTFOUND proxy.corp'), {
      code: 'ENOTFOUND',
      hostname: 'proxy.corp',
    });
    expect(proxyError(lookup, server).message).toBe(
      'cannot connect to proxy http://proxy.corp:3128 (HTTPS_PROXY): getaddrinfo ENOTFOUND proxy.corp',
    );
    const other = Object.assign(new Error('getaddrinfo ENOTFOUND api.example'), {
      code: 'ENOTFOUND',
      hostname: 'api.example',
    });
    expect(proxyError(other, server).message).toBe(
      'getaddrinfo ENOTFOUND api.example (through proxy http://proxy.corp:3128 (HTTPS_PROXY))',
    );
  });

  it('keeps code, name and cause, and leaves an abort reason alone', () => {
    const original = Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET', name: 'SocketError' });
    const annotated = proxyError(original, server) as Error & { code?: string };
    expect(annotated).toMatchObject({ code: 'UND_ERR_SOCKET', name: 'SocketError', cause: original });
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(proxyError(abort, server)).toBe(abort);
  });
});
