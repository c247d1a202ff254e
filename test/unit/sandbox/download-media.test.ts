import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadMedia, isLoopback } from '../../../src/sandbox/download-media.js';
import { type FileServer, startFileServer } from './media-fixtures.js';

/**
 * The sandbox downloads http(s) inputs the way the service would, but stays offline and never hangs:
 * loopback hosts only (unless `remote`), redirects under the same rule, a deadline for the whole
 * download, and a cap on the bytes read.
 */

const policy = { timeoutMs: 500, remote: false };
const BODY = Buffer.alloc(1000, 7);
let plain: FileServer;
let chunked: FileServer;

beforeAll(async () => {
  const redirects = { '/moved': '/body', '/away': 'http://192.0.2.1/body', '/loop': '/loop' };
  plain = await startFileServer({ '/body': BODY }, { redirects });
  chunked = await startFileServer({ '/body': BODY }, { chunked: true });
});
afterAll(async () => {
  await plain.close();
  await chunked.close();
});

const get = (server: FileServer, path: string, maxBytes = 1000) =>
  downloadMedia(new URL(server.url(path)), maxBytes, policy);

describe('downloadMedia', () => {
  it('reads a body of up to maxBytes', async () => {
    expect(await get(plain, '/body')).toEqual({ ok: true, bytes: BODY });
    expect(await get(chunked, '/body')).toEqual({ ok: true, bytes: BODY });
  });

  it('stops at more than maxBytes, by Content-Length or by counting', async () => {
    expect(await get(plain, '/body', 999)).toEqual({ ok: false, tooLarge: true });
    expect(await get(chunked, '/body', 999)).toEqual({ ok: false, tooLarge: true });
  });

  it('fails a 404, a server that does not answer in time, and too many redirects', async () => {
    expect(await get(plain, '/nothing')).toEqual({ ok: false, tooLarge: false });
    const started = Date.now();
    expect(await get(plain, '/hang')).toEqual({ ok: false, tooLarge: false });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await get(plain, '/loop')).toEqual({ ok: false, tooLarge: false });
  });

  it('follows a redirect on this machine, but not one that leaves it', async () => {
    expect((await get(plain, '/moved')).ok).toBe(true);
    expect(await get(plain, '/away')).toEqual({ ok: false, tooLarge: false });
    expect(plain.hits).toContain('/away');
  });

  it('fetches nothing from another host unless told to', async () => {
    expect(await downloadMedia(new URL('http://192.0.2.1/cat.png'), 1000, policy)).toEqual({
      ok: false,
      tooLarge: false,
    });
  });

  it.each([
    ['http://127.0.0.1:8080/a.png', true],
    ['http://127.255.0.9/a.png', true],
    ['http://localhost/a.png', true],
    ['http://[::1]:80/a.png', true],
    ['http://10.0.0.1/a.png', false],
    ['https://example.com/a.png', false],
    ['http://127.0.0.1.example.com/a.png', false],
  ])('%s is loopback: %s', (url, loopback) => {
    expect(isLoopback(new URL(url))).toBe(loopback);
  });
});
