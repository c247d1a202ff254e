/**
 * A stand-in for an OSS bucket on 127.0.0.1:0: serves one in-memory MP4-looking buffer with
 * Content-Length, ETag, Range/If-Range, 416 and `x-oss-hash-crc64ecma`, logs every request, and
 * misbehaves on demand: each planned step is used by one request, then it serves normally.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc64 } from '../../../src/api/crc64.js';
import { AbortedError } from '../../../src/api/errors/aborted-error.js';

export type Step =
  | { kind: 'ok' }
  /** Any status with an optional body and headers. */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Normal headers, then only `after` bytes of the body and the connection is closed. */
  | { kind: 'cut'; after: number }
  /** Normal headers, `after` bytes, then silence with the connection open. */
  | { kind: 'stall'; after: number }
  /** The connection is destroyed before any answer. */
  | { kind: 'reset' }
  /** 200 with the whole video even when asked for a range. */
  | { kind: 'ignore-range' }
  /** 206 whose Content-Range starts one byte later than asked. */
  | { kind: 'bad-range' }
  /** A valid 206 that covers only `bytes` bytes of the range asked for. */
  | { kind: 'short-range'; bytes: number }
  /** 200 text/html error page. */
  | { kind: 'html' }
  /** The body in two writes: the first `first` bytes, then (a moment later) the rest. */
  | { kind: 'trickle'; first: number }
  /** A 206 for the range asked, carrying another ETag (as if the object changed and If-Range was not sent). */
  | { kind: 'other-etag' }
  /** The normal answer, its body sent `chunk` bytes every `everyMs` ms. */
  | { kind: 'slow'; chunk: number; everyMs: number }
  /**
   * Whatever `respond` writes on the socket, raw: for answers Node's server would not send (a body
   * delimited by closing the connection, a Content-Range that lies). `range` is the start asked for.
   */
  | { kind: 'raw'; respond(socket: Socket, video: Buffer, range: number | undefined): void };

export interface LoggedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  status?: number;
  /** Body bytes the server wrote for this request. */
  bodyBytes: number;
}

export const VIDEO_PATH = '/dashscope-result/1d/20250601/task-123.mp4';

/** An MP4-looking buffer: a 24-byte `ftyp` box header, then random bytes. */
export function makeVideo(size: number): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), randomBytes(size - 12)]);
}

export interface VideoServer {
  origin: string;
  video: Buffer;
  etag: string;
  /** What `x-oss-hash-crc64ecma` says; undefined sends no header. */
  crcHeader: string | undefined;
  requests: LoggedRequest[];
  /** Misbehaviours for the next requests, one each. */
  plan(...steps: Step[]): void;
  /** Serve a different object from now on (new bytes, ETag and CRC). */
  replaceVideo(video: Buffer, etag: string): void;
  /** A signed-looking URL; `expires` in unix seconds. */
  url(expires?: number): string;
  close(): Promise<void>;
}

export async function startVideoServer(size = 3 * 1024 * 1024 + 123): Promise<VideoServer> {
  const steps: Step[] = [];
  const requests: LoggedRequest[] = [];
  const state: VideoServer = {
    origin: '',
    video: makeVideo(size),
    etag: '"5B3C1A2E053D763E1B002CC607C5A0FE"',
    crcHeader: undefined,
    requests,
    plan: (...more) => steps.push(...more),
    replaceVideo(video, etag) {
      state.video = video;
      state.etag = etag;
      state.crcHeader = crc64(video);
    },
    url: (expires) =>
      `${state.origin}${VIDEO_PATH}?${expires !== undefined ? `Expires=${expires}&` : ''}OSSAccessKeyId=LTAI5tSECRETKEYID&Signature=s3cr3tSIGNATURE%3D`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  state.crcHeader = crc64(state.video);

  const server = http.createServer((req, res) => {
    const entry: LoggedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: 0 };
    requests.push(entry);
    const step = steps.shift() ?? { kind: 'ok' };
    if (step.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (step.kind === 'status') {
      entry.status = step.status;
      res.writeHead(step.status, { 'content-type': 'application/xml', ...step.headers });
      res.end(step.body ?? '');
      return;
    }
    if (step.kind === 'html') {
      const page = '<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>';
      entry.status = 200;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    const video = state.video;
    if (step.kind === 'raw') {
      const asked = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      step.respond(req.socket, video, asked ? Number(asked[1]) : undefined);
      return;
    }
    const etag = step.kind === 'other-etag' ? '"SOMETHING-ELSE"' : state.etag;
    const common: Record<string, string> = { etag, 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
    if (state.crcHeader !== undefined) common['x-oss-hash-crc64ecma'] = state.crcHeader;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const useRange =
      range !== null && step.kind !== 'ignore-range' && (ifRange === undefined || ifRange === state.etag);
    let status = 200;
    let body = video;
    const headers = { ...common };
    if (useRange) {
      const start = Number(range[1]);
      if (start >= video.length) {
        entry.status = 416;
        res.writeHead(416, { ...common, 'content-range': `bytes */${video.length}` });
        res.end();
        return;
      }
      const end = step.kind === 'short-range' ? Math.min(video.length, start + step.bytes) : video.length;
      const shown = step.kind === 'bad-range' ? start + 1 : start;
      status = 206;
      body = video.subarray(start, end);
      headers['content-range'] = `bytes ${shown}-${end - 1}/${video.length}`;
    }
    entry.status = status;
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    if (step.kind === 'trickle') {
      entry.bodyBytes = body.length;
      res.write(body.subarray(0, step.first));
      setTimeout(() => res.end(body.subarray(step.first)), 20);
      return;
    }
    if (step.kind === 'cut' || step.kind === 'stall') {
      const part = body.subarray(0, step.after);
      entry.bodyBytes = part.length;
      res.write(part);
      // FIN after the bytes, so the client really receives all `after` of them first.
      if (step.kind === 'cut') setTimeout(() => req.socket.end(), 30);
      return;
    }
    if (step.kind === 'slow') {
      entry.bodyBytes = body.length;
      let sent = 0;
      const next = () => {
        if (res.destroyed) return;
        const piece = body.subarray(sent, sent + step.chunk);
        sent += piece.length;
        if (sent >= body.length) res.end(piece);
        else {
          res.write(piece);
          setTimeout(next, step.everyMs);
        }
      };
      next();
      return;
    }
    entry.bodyBytes = body.length;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A clock whose sleeps return at once and are recorded; `now` advances by each sleep. */
export function fakeClock(start = Date.UTC(2025, 5, 1, 12, 0, 0)) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    async sleep(ms: number, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) throw new AbortedError();
      sleeps.push(ms);
      now += ms;
    },
  };
}
