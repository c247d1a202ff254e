import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DownloadOptions, downloadVideo } from '../../../src/api/download/index.js';
import { ConnectionError, TimeoutError } from '../../../src/api/errors/index.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { startVideoServer, type VideoServer } from './video-server.js';

/*
 * A host that sends a few hundred bytes per connection and then stalls makes progress on every
 * attempt, so "failures in a row" never runs out. Every byte saved counts as progress, and the
 * download as a whole is bounded: at most 4 × retry.attempts requests, and none after 10 minutes.
 * (undici checks its body timeout about once a second, so a stalled attempt takes ~1 s here.)
 */

/** Each request gets `after` bytes, then the connection stalls (`stall`) or is closed (`cut`). */
function everyTime(kind: 'stall' | 'cut', after: number): void {
  server.plan(...Array.from({ length: 100 }, () => ({ kind, after })));
}

let server: VideoServer;
let dir: string;
let clock: ReturnType<typeof fakeClock>;
let to: string;

beforeEach(async () => {
  server = await startVideoServer();
  dir = await mkdtemp(join(tmpdir(), 'wan-bounded-'));
  clock = fakeClock();
  to = join(dir, 'video.mp4');
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function download(extra: Partial<DownloadOptions>) {
  return downloadVideo(server.url(Math.floor(clock.now() / 1000) + 86_400), {
    to,
    clock,
    random: () => 0.5,
    stallTimeoutMs: 40,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the download to fail');
}

describe('downloadVideo: retries are bounded', () => {
  it('keeps every byte of a host that sends 300 bytes then stalls, and stops after 4 × attempts requests', async () => {
    everyTime('stall', 300);
    const retries: number[] = [];
    const err = await failure(
      download({
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 },
        onRetry: (info) => retries.push(info.attempt),
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain('stalled');
    expect(err.message).toContain('gave up after 8 attempts');
    expect((err as ConnectionError).attempts).toBe(8);
    expect(server.requests).toHaveLength(8);
    // Each attempt resumed exactly where the one before stopped: nothing was dropped.
    expect(server.requests.map((r) => r.headers.range)).toEqual([
      undefined,
      ...Array.from({ length: 7 }, (_, i) => `bytes=${300 * (i + 1)}-`),
    ]);
    expect((await stat(`${to}.part`)).size).toBe(8 * 300);
    expect(retries).toEqual([2, 3, 4, 5, 6, 7, 8]);
  }, 20_000);

  it('starts no attempt once 10 minutes have passed since the download began', async () => {
    // Each retry waits 2 minutes (half of 4, the jitter being 0.5): attempts at 0, 2, 4, 6 and 8
    // minutes; a sixth would start at 10.
    everyTime('cut', 300);
    const err = await failure(
      download({ retry: { attempts: 5, baseDelayMs: 240_000, maxDelayMs: 240_000, maxRetryAfterMs: 1000 } }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain('gave up after 5 attempts in 10 min');
    expect(server.requests).toHaveLength(5);
    expect(clock.sleeps).toEqual([120_000, 120_000, 120_000, 120_000]);
  }, 15_000);

  it('counts the time the attempts themselves took', async () => {
    // The clock moves 4 minutes during each attempt (2 at its start, 2 when its 300 bytes land), as
    // a slow body would take: the third ends at 12 minutes, so no fourth starts.
    everyTime('cut', 300);
    const err = await failure(
      download({
        retry: { attempts: 5, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 },
        onProgress: () => clock.advance(2 * 60_000),
      }),
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect(server.requests).toHaveLength(3);
  }, 15_000);
});
