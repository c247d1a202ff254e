import type { Dispatcher } from 'undici';
import { loadUndici } from '../load-undici.js';
import { BodyChunks } from './body-chunks.js';

/** What attempt.ts needs of a response. */
export interface VideoResponse {
  status: number;
  /** A response header by lower-case name (the first, if repeated). */
  header(name: string): string | undefined;
  /** The body, kept from the moment the head arrived; destroy it when it is not read to the end. */
  body: BodyChunks;
}

export interface VideoFetcher {
  get(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<VideoResponse>;
  /** Closes the Agent made for this download (a caller's dispatcher is left alone). */
  close(): Promise<void>;
}

export interface FetcherOptions {
  dispatcher?: Dispatcher | undefined;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  stallTimeoutMs: number;
}

/**
 * GETs of one video through undici: the caller's dispatcher (a proxy) or an Agent of our own with
 * our timeouts. undici's `bodyTimeout` is our stall limit on both routes: it fires when no body
 * byte arrived for that long while the body was being read.
 */
export async function videoFetcher(options: FetcherOptions): Promise<VideoFetcher> {
  const { Agent, request } = await loadUndici();
  const own = options.dispatcher
    ? undefined
    : new Agent({
        connect: { timeout: options.connectTimeoutMs },
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.stallTimeoutMs,
      });
  const dispatcher = options.dispatcher ?? own;
  return {
    async get(url, headers, signal) {
      // maxRedirections 0 also turns off a redirect interceptor composed into the caller's
      // dispatcher: a redirect from the video host is reported, never followed.
      const requestOptions = {
        method: 'GET' as const,
        headers,
        dispatcher,
        signal,
        bodyTimeout: options.stallTimeoutMs,
        maxRedirections: 0,
      };
      const response = await request(url, requestOptions);
      // Before any other await: from here on, every byte that arrives is kept.
      const body = new BodyChunks(response.body);
      return {
        status: response.statusCode,
        header(name) {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        },
        body,
      };
    },
    close: async () => {
      await own?.destroy();
    },
  };
}
