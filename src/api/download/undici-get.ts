import type { Dispatcher } from 'undici';
import { loadUndici } from '../load-undici.js';
import type { GetOptions, VideoResponse } from './direct-get.js';
import { SlabBody } from './slab-body.js';

/**
 * One GET of a video through an undici dispatcher the caller chose (a proxy, custom TLS). The body
 * is copied into a SlabBody as it arrives, so the rest of the download works the same on both
 * routes. undici's own timeouts apply, except that the body stall limit is ours.
 */
export async function undiciGet(
  url: string,
  options: Omit<GetOptions, 'connectTimeoutMs' | 'headersTimeoutMs'> & { dispatcher: Dispatcher },
): Promise<VideoResponse> {
  // maxRedirections 0 also turns off a redirect interceptor composed into the caller's dispatcher:
  // a redirect from the video host is reported, never followed.
  const requestOptions = {
    method: 'GET' as const,
    headers: options.headers,
    dispatcher: options.dispatcher,
    signal: options.signal,
    bodyTimeout: options.stallTimeoutMs,
    maxRedirections: 0,
  };
  const { request } = await loadUndici();
  const response = await request(url, requestOptions);
  const stream = response.body;
  const body = new SlabBody(options.slabs);
  // Listening to 'data' at once, before any other await, keeps every byte that arrives even if the
  // connection then fails (a stream destroyed by a reset drops what it buffered).
  stream.on('data', (chunk: Buffer) => {
    if (!body.push(chunk)) stream.pause();
  });
  stream.on('end', () => body.end());
  stream.on('error', (err) => body.fail(err));
  stream.on('close', () => body.end());
  body.onResume = () => stream.resume();
  body.onCancel = () => stream.destroy();
  return {
    status: response.statusCode,
    header(name) {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    },
    body,
  };
}
