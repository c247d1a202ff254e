import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.js';
import {
  ignoredProxyVariables,
  proxyPlan,
  routeFor,
  showProxyUrl,
  unsupportedNoProxyEntries,
} from '../../../src/net/proxy.js';

describe('proxyPlan', () => {
  it('is undefined when no proxy variable is set, or only empty ones', () => {
    expect(proxyPlan({})).toBeUndefined();
    expect(proxyPlan({ HTTP_PROXY: '', https_proxy: '  ', NO_PROXY: 'localhost' })).toBeUndefined();
  });

  it("HTTP_PROXY alone serves https targets too (undici's rule)", () => {
    const plan = proxyPlan({ HTTP_PROXY: 'http://proxy.corp:3128' })!;
    expect(plan.http).toMatchObject({ url: 'http://proxy.corp:3128', variable: 'HTTP_PROXY' });
    expect(plan.https).toBe(plan.http);
    expect(routeFor(plan, 'https://dashscope.aliyuncs.com/api/v1')).toMatchObject({
      kind: 'proxy',
      proxy: { variable: 'HTTP_PROXY' },
    });
  });

  it('HTTPS_PROXY alone leaves http targets direct', () => {
    const plan = proxyPlan({ HTTPS_PROXY: 'http://proxy.corp:3128' })!;
    expect(plan.http).toBeUndefined();
    expect(routeFor(plan, 'http://127.0.0.1:8080/api/v1')).toEqual({ kind: 'direct' });
    expect(routeFor(plan, 'https://dashscope.aliyuncs.com/api/v1')).toMatchObject({
      kind: 'proxy',
      proxy: { variable: 'HTTPS_PROXY' },
    });
  });

  it('lower case wins over upper case, as in undici and curl', () => {
    const plan = proxyPlan({
      HTTPS_PROXY: 'http://upper:1',
      https_proxy: 'http://lower:2',
      NO_PROXY: 'a.example',
      no_proxy: 'b.example',
    })!;
    expect(plan.https).toMatchObject({ url: 'http://lower:2', variable: 'https_proxy' });
    expect(plan).toMatchObject({ noProxy: 'b.example', noProxyVariable: 'no_proxy' });
  });

  it('reads a value without a scheme as http://, like curl', () => {
    expect(proxyPlan({ HTTPS_PROXY: 'proxy.corp:3128' })!.https!.url).toBe('http://proxy.corp:3128');
  });

  it('never shows a proxy password', () => {
    const plan = proxyPlan({ HTTPS_PROXY: 'http://alice:s3cret@proxy.corp:3128' })!;
    expect(plan.https!.shown).toBe('http://alice:***@proxy.corp:3128');
    expect(showProxyUrl('http://alice@proxy:1')).toBe('http://alice@proxy:1');
  });

  it.each([
    ['http://', 'HTTPS_PROXY'],
    ['http://alice:s3cret@', 'HTTPS_PROXY'],
    ['ftp://proxy.corp:21', 'HTTPS_PROXY'],
  ])('refuses %j as a proxy URL, naming the variable and not the password', (value, variable) => {
    let error: unknown;
    try {
      proxyPlan({ HTTPS_PROXY: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}`));
    expect((error as ConfigError).message).not.toContain('s3cret');
    expect((error as ConfigError).source).toBe(variable);
  });

  it('accepts https:// and socks5:// proxies', () => {
    expect(proxyPlan({ HTTPS_PROXY: 'https://proxy.corp:443' })!.https!.url).toBe('https://proxy.corp:443');
    expect(proxyPlan({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' })!.https!.url).toBe('socks5://127.0.0.1:1080');
  });
});

describe('routeFor and NO_PROXY (the rules of undici 7 EnvHttpProxyAgent)', () => {
  const route = (noProxy: string, url: string) =>
    routeFor(proxyPlan({ HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: noProxy }), url)
      .kind;

  it.each([
    ['', 'https://dashscope.aliyuncs.com/api/v1', 'proxy'],
    ['dashscope.aliyuncs.com', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['aliyuncs.com', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['.aliyuncs.com', 'https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/x.mp4', 'bypass'],
    ['*.aliyuncs.com', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['liyuncs.com', 'https://dashscope.aliyuncs.com/api/v1', 'proxy'],
    ['DashScope.AliyunCS.com', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['dashscope.aliyuncs.com:443', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['dashscope.aliyuncs.com:8443', 'https://dashscope.aliyuncs.com/api/v1', 'proxy'],
    ['127.0.0.1', 'http://127.0.0.1:8080/api/v1', 'bypass'],
    ['127.0.0.1:9090', 'http://127.0.0.1:8080/api/v1', 'proxy'],
    ['localhost, 127.0.0.1', 'http://127.0.0.1:8080/api/v1', 'bypass'],
    ['localhost 127.0.0.1', 'http://127.0.0.1:8080/api/v1', 'bypass'],
    ['*', 'https://dashscope.aliyuncs.com/api/v1', 'bypass'],
    ['[::1]', 'http://[::1]:8080/api/v1', 'bypass'],
    // undici has no default bypass for loopback: only what NO_PROXY lists.
    ['', 'http://127.0.0.1:8080/api/v1', 'proxy'],
    ['', 'http://localhost:8080/api/v1', 'proxy'],
  ])('NO_PROXY=%j, %s → %s', (noProxy, url, kind) => {
    expect(route(noProxy, url)).toBe(kind);
  });

  it('names the entry and variable that bypassed the proxy', () => {
    expect(
      routeFor(
        proxyPlan({ HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'x.example,.aliyuncs.com' }),
        'https://dashscope.aliyuncs.com',
      ),
    ).toEqual({
      kind: 'bypass',
      entry: '.aliyuncs.com',
      variable: 'no_proxy',
    });
  });

  it('is direct without a plan', () => {
    expect(routeFor(undefined, 'https://dashscope.aliyuncs.com')).toEqual({ kind: 'direct' });
  });
});

describe('what wan does not read', () => {
  it('reports ALL_PROXY as ignored', () => {
    expect(ignoredProxyVariables({ ALL_PROXY: 'socks5://x:1', all_proxy: '' })).toEqual(['ALL_PROXY']);
  });

  it('flags CIDR ranges and inner wildcards in NO_PROXY', () => {
    const plan = proxyPlan({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '10.0.0.0/8,.corp,a.*.example' })!;
    expect(unsupportedNoProxyEntries(plan)).toEqual(['10.0.0.0/8', 'a.*.example']);
  });
});
