import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/api/crc64.js';
import { type DownloadOptions, downloadVideo } from '../../../src/api/download/index.js';
import { fakeClock, startVideoServer, type VideoServer } from './video-server.js';

/*
 * A length is only trusted when the server committed to it (a Content-Length, or the total of a
 * Content-Range); a body delimited by the connection closing says nothing about where it should
 * have ended. Without any committed length or CRC-64 the file is saved, and the result says so.
 */

let server: VideoServer;
let dir: string;
let clock: ReturnType<typeof fakeClock>;
let to: string;

beforeEach(async () => {
  server = await startVideoServer(2 * 1024 * 1024 + 321);
  // No x-oss-hash-crc64ecma: only the length can tell a cut body from a whole one.
  server.crcHeader = undefined;
  dir = await mkdtemp(join(tmpdir(), 'wan-length-'));
  clock = fakeClock();
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function download(extra: Partial<DownloadOptions> = {}) {
  return downloadVideo(server.url(Math.floor(clock.now() / 1000) + 3600), { to, clock, random: () => 0.5, ...extra });
}

/** A raw HTTP/1.1 answer whose body ends when the connection closes (no Content-Length, not chunked). */
function closeDelimited(socket: Socket, status: string, headers: Record<string, string>, body: Buffer): void {
  const head = Object.entries({ ...headers, connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`HTTP/1.1 ${status}\r\n${head}\r\n`);
  socket.end(body);
}

describe('downloadVideo: lengths the server committed to', () => {
  it('reports what the file was verified by', async () => {
    expect((await download()).verifiedBy).toEqual(['length']);
    server.crcHeader = crc64(server.video);
    expect((await download({ force: true })).verifiedBy).toEqual(['length', 'crc64']);
  });

  it('saves a body with neither a length nor a CRC-64, and says it is unverified', async () => {
    server.plan({
      kind: 'raw',
      respond: (socket, video) =>
        closeDelimited(socket, '200 OK', { etag: server.etag, 'content-type': 'video/mp4' }, video),
    });
    const result = await download();
    expect(result.verifiedBy).toEqual([]);
    expect(result.bytes).toBe(server.video.length);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });

  it('checks a body without Content-Length against the CRC-64 when there is one', async () => {
    const crc = crc64(server.video);
    server.plan({
      kind: 'raw',
      respond: (socket, video) =>
        closeDelimited(
          socket,
          '200 OK',
          { etag: server.etag, 'x-oss-hash-crc64ecma': crc },
          video.subarray(0, 900_000),
        ),
    });
    const err = await download().catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'DownloadError', kind: 'integrity' });
    expect(existsSync(to)).toBe(false);
  });

  it('holds a whole answer without Content-Length to the length the same object committed to before', async () => {
    // 1: 200 with Content-Length, cut: the meta records the total. 2: the server ignores Range and
    // answers 200 with the same strong ETag but no Content-Length, and closes after 700 kB, which
    // looks like a clean end. That must not pass for the whole video.
    server.plan(
      { kind: 'cut', after: 400_000 },
      {
        kind: 'raw',
        respond: (socket, video) =>
          closeDelimited(
            socket,
            '200 OK',
            { etag: server.etag, 'content-type': 'video/mp4' },
            video.subarray(0, 700_000),
          ),
      },
    );
    const result = await download();
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.headers.range).toBe('bytes=700000-');
    expect(result.verifiedBy).toEqual(['length']);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });

  it('does not write past the end of a Content-Range, and starts over', async () => {
    // A .part of 1 MB; the server answers the resume with a 206 for the next 1000 bytes but goes on
    // sending bytes that are not the video's until the object's length, then closes.
    const kept = 1_000_000;
    await writeFile(`${to}.part`, server.video.subarray(0, kept));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const total = server.video.length;
    server.plan({
      kind: 'raw',
      respond: (socket, video, start) => {
        const junk = Buffer.alloc(total - kept - 1000, 0x55);
        closeDelimited(
          socket,
          '206 Partial Content',
          { etag: server.etag, 'content-range': `bytes ${start}-${kept + 999}/${total}` },
          Buffer.concat([video.subarray(kept, kept + 1000), junk]),
        );
      },
    });
    const result = await download();
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${kept}-`, undefined]);
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });

  it('starts over when a 206 has a Content-Length other than its range', async () => {
    const kept = 1_000_000;
    await writeFile(`${to}.part`, server.video.subarray(0, kept));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length }));
    const total = server.video.length;
    server.plan({
      kind: 'raw',
      respond: (socket) => {
        // Says the range is 1000 bytes, sends the rest of the object's length in junk.
        const body = Buffer.alloc(total - kept, 0x55);
        socket.end(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 206 Partial Content\r\netag: ${server.etag}\r\ncontent-range: bytes ${kept}-${kept + 999}/${total}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
            ),
            body,
          ]),
        );
      },
    });
    const result = await download();
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${kept}-`, undefined]);
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });

  it('starts over when a 206 says the object has another length than the meta recorded', async () => {
    const kept = 1_000_000;
    await writeFile(`${to}.part`, server.video.subarray(0, kept));
    await writeFile(`${to}.part.json`, JSON.stringify({ etag: server.etag, total: server.video.length + 5 }));
    const result = await download();
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([
      [206, `bytes=${kept}-`],
      [200, undefined],
    ]);
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(to)).equals(server.video)).toBe(true);
  });
});
