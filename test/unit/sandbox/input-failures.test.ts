import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { asyncHeaders, fakeClock, getTask, KF2V_PATH, postCreate } from './helpers.js';
import { dataUrl, encodeJpeg, encodePng, quadrants } from './images.js';
import { type FileServer, fakeMp4, pngClaiming, startFileServer } from './media-fixtures.js';

/**
 * What an input file holds is found out once the service has it, and a problem fails the task (HTTP
 * 200 at create, FAILED with a code when polled), as parameter values do (validate-create.ts): a file
 * that cannot be downloaded, is not the type needed, is too large, too small or too long, an image with
 * alpha, too many reference clips. Codes: media-errors.ts (modes.md §11).
 */

const clock = fakeClock();
let sb: Sandbox;
let files: FileServer;

const png = (w: number, h: number) => encodePng(quadrants(w, h));
const SMALL = png(320, 240);
const MB = 1024 * 1024;
/** A valid PNG padded with an ancillary chunk to more than `mb` MB. */
function pngOver(mb: number): Buffer {
  const chunk = Buffer.alloc(12 + mb * MB + 1);
  chunk.writeUInt32BE(mb * MB + 1, 0);
  chunk.write('zZzZ', 4, 'latin1');
  return Buffer.concat([SMALL.subarray(0, 33), chunk, SMALL.subarray(33)]);
}

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 0, runningMs: 0, mediaTimeoutMs: 300 });
  files = await startFileServer({
    '/cat.png': SMALL,
    '/big.png': pngOver(10),
    '/clip.mp4': fakeMp4(3),
    '/one-second.mp4': fakeMp4(1),
    '/eleven-seconds.mp4': fakeMp4(11),
    '/half-minute.mp4': fakeMp4(31),
    '/half-second.mp4': fakeMp4(0.5),
    '/huge-frame.mp4': fakeMp4(3, 4100, 2160),
    '/tall.mp4': fakeMp4(3, 240, 2000),
    '/no-length.mp4': fakeMp4(0).subarray(0, 40),
    '/no-picture.mp4': fakeMp4(3, 0, 0),
    '/notes.txt': Buffer.from('just some text'),
  });
});
afterAll(async () => {
  await sb.close();
  await files.close();
});

/** Creates (200 expected) and returns the task's final output. */
async function outcome(body: Record<string, unknown>, path?: string) {
  const reply = await postCreate(sb, body, asyncHeaders(), path);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (await getTask(sb, reply.body.output.task_id)).body.output;
}

async function expectFailed(body: Record<string, unknown>, code: string, message?: string, path?: string) {
  const output = await outcome(body, path);
  expect(output).toMatchObject({ task_status: 'FAILED', code, ...(message ? { message } : {}) });
  expect(output.video_url).toBeUndefined();
}

const i2v = (img: string, model = 'wan2.5-i2v-preview') => ({ model, input: { img_url: img } });
const wan27 = (media: unknown[], parameters: Record<string, unknown> = {}) => ({
  model: 'wan2.7-i2v',
  input: { media },
  parameters,
});
const r2v = (urls: string[]) => ({
  model: 'wan2.6-r2v',
  input: { prompt: 'character1 and character2', reference_urls: urls },
  parameters: { size: '1280*720' },
});

const NOT_AN_IMAGE = 'Invalid image type. Please ensure the uploaded file is a valid image.';
const DOWNLOAD = 'Unable to download the media resource during the data inspection process.';

describe('downloads', () => {
  it('a URL nothing answers on: InvalidParameter.DataInspection', async () => {
    // A port that was just free: the connection is refused at once.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    await expectFailed(i2v(`http://127.0.0.1:${port}/cat.png`), 'InvalidParameter.DataInspection', DOWNLOAD);
  });

  it('a 404: InvalidParameter.DataInspection', async () => {
    await expectFailed(i2v(files.url('/missing.png')), 'InvalidParameter.DataInspection', DOWNLOAD);
  });

  it('a server that never answers, after mediaTimeoutMs: InvalidParameter.DataInspection', async () => {
    const started = Date.now();
    await expectFailed(i2v(files.url('/hang')), 'InvalidParameter.DataInspection', DOWNLOAD);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('another host is not fetched (the sandbox is offline): InvalidParameter.DataInspection', async () => {
    await expectFailed(i2v('https://example.com/cat.png'), 'InvalidParameter.DataInspection', DOWNLOAD);
    await expectFailed(i2v('http://10.1.2.3/cat.png'), 'InvalidParameter.DataInspection', DOWNLOAD);
  });

  it('a body without Content-Length is counted as it arrives: InvalidFile.Size past the limit', async () => {
    const chunked = await startFileServer({ '/big.png': pngOver(10), '/cat.png': SMALL }, { chunked: true });
    try {
      const kf2v = (first: string) => ({
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: chunked.url(first), last_frame_url: chunked.url('/cat.png') },
      });
      await expectFailed(kf2v('/big.png'), 'InvalidFile.Size', undefined, KF2V_PATH);
      expect((await outcome(kf2v('/cat.png'), KF2V_PATH)).task_status).toBe('SUCCEEDED');
    } finally {
      await chunked.close();
    }
  });

  it('downloads from loopback, and the task succeeds', async () => {
    expect((await outcome(i2v(files.url('/cat.png')))).task_status).toBe('SUCCEEDED');
    expect(files.hits).toContain('/cat.png');
  });
});

describe('images', () => {
  it('text where an image is needed: InvalidImage.FileFormat', async () => {
    await expectFailed(i2v(files.url('/notes.txt')), 'InvalidImage.FileFormat', NOT_AN_IMAGE);
  });

  it('a video where an image is needed: InvalidImage.FileFormat', async () => {
    await expectFailed(i2v(files.url('/clip.mp4')), 'InvalidImage.FileFormat', NOT_AN_IMAGE);
  });

  it('a data: URL whose bytes are not the type it declares: InvalidImage.FileFormat', async () => {
    await expectFailed(i2v(dataUrl(encodeJpeg(quadrants(320, 240)), 'image/png')), 'InvalidImage.FileFormat');
  });

  it('a PNG with an alpha channel: InvalidImage.FileFormat', async () => {
    await expectFailed(i2v(dataUrl(encodePng(quadrants(320, 240), { colourType: 6 }))), 'InvalidImage.FileFormat');
  });

  it('a PNG with a transparent colour (tRNS): InvalidImage.FileFormat', async () => {
    const keyed = encodePng(quadrants(320, 240), { colourType: 2, transparency: true });
    await expectFailed(i2v(dataUrl(keyed)), 'InvalidImage.FileFormat');
  });

  it.each([
    ['a side under 240 px', 239, 400],
    ['a side over 8000 px', 8001, 600],
  ])('%s: InvalidFile.Resolution', async (_, w, h) => {
    await expectFailed(
      i2v(dataUrl(pngClaiming(SMALL, w, h))),
      'InvalidFile.Resolution',
      'The image resolution is invalid, please make sure that the largest length of image is smaller than 8000, and the smallest length of image is larger than 240.',
    );
  });

  it('240 and 8000 px are allowed', async () => {
    expect((await outcome(i2v(dataUrl(pngClaiming(SMALL, 240, 8000))))).task_status).toBe('SUCCEEDED');
  });

  it('over the model’s bytes (10 MB for wan2.2), sent inline: InvalidFile.Size', async () => {
    await expectFailed(
      i2v(dataUrl(pngOver(10)), 'wan2.2-i2v-flash'),
      'InvalidFile.Size',
      'Invalid file size. The image file size must be less than 10MB.',
    );
  });

  it('over the model’s bytes, downloaded (Content-Length says so): InvalidFile.Size', async () => {
    await expectFailed(
      {
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: files.url('/big.png'), last_frame_url: files.url('/cat.png') },
      },
      'InvalidFile.Size',
      'Invalid file size. The image file size must be less than 10MB.',
      KF2V_PATH,
    );
  });

  it('the same image is fine for a model that takes 20 MB', async () => {
    expect((await outcome(i2v(files.url('/big.png'), 'wan2.6-i2v'))).task_status).toBe('SUCCEEDED');
  });

  it('an aspect beyond 8:1 for wan2.7 (the legacy models state none): InvalidFile.AspectRatio', async () => {
    const wide = dataUrl(pngClaiming(SMALL, 2170, 240));
    await expectFailed(
      wan27([{ type: 'first_frame', url: wide }]),
      'InvalidFile.AspectRatio',
      'Invalid file aspect ratio. The aspect ratio of the image must be between 1:8 and 8:1.',
    );
    expect((await outcome(i2v(wide))).task_status).toBe('SUCCEEDED');
  });

  it('a bad last frame fails a first-and-last-frame task too', async () => {
    await expectFailed(
      {
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: dataUrl(SMALL), last_frame_url: files.url('/notes.txt') },
      },
      'InvalidImage.FileFormat',
      NOT_AN_IMAGE,
      KF2V_PATH,
    );
  });
});

describe('wan2.7 first clips', () => {
  const clip = (path: string, parameters: Record<string, unknown> = { duration: 12 }) =>
    wan27([{ type: 'first_clip', url: files.url(path) }], parameters);

  it('an image where a clip is needed: InvalidFile.Format', async () => {
    await expectFailed(clip('/cat.png'), 'InvalidFile.Format', 'Invalid file format. The file must be MP4 or MOV.');
  });

  it.each([
    ['1 s', '/one-second.mp4'],
    ['11 s', '/eleven-seconds.mp4'],
  ])('a %s clip (2–10 s): InvalidFile.Duration', async (_, path) => {
    await expectFailed(
      clip(path),
      'InvalidFile.Duration',
      'Invalid file duration. The file duration must be 2 s ~ 10 s.',
    );
  });

  it('a frame over 4096 px: InvalidFile.Resolution', async () => {
    await expectFailed(clip('/huge-frame.mp4'), 'InvalidFile.Resolution');
  });

  it('a frame taller than 8:1: InvalidFile.AspectRatio', async () => {
    await expectFailed(clip('/tall.mp4'), 'InvalidFile.AspectRatio');
  });

  it('an MP4 whose length cannot be read: InvalidFile.Openerror', async () => {
    await expectFailed(clip('/no-length.mp4'), 'InvalidFile.Openerror', 'Invalid file, cannot open file as video.');
  });

  it('an MP4 with no picture (no track has a size): InvalidFile.Openerror', async () => {
    await expectFailed(clip('/no-picture.mp4'), 'InvalidFile.Openerror', 'Invalid file, cannot open file as video.');
  });

  it('a duration not longer than the clip it includes: InvalidParameter', async () => {
    await expectFailed(
      clip('/clip.mp4', { duration: 3 }),
      'InvalidParameter',
      'The duration must be longer than the first clip, which it includes.',
    );
    expect((await outcome(clip('/clip.mp4', { duration: 4 }))).task_status).toBe('SUCCEEDED');
  });
});

describe('references', () => {
  it('four clips (three at most): InvalidParameter', async () => {
    await expectFailed(
      r2v(['/clip.mp4', '/clip.mp4', '/clip.mp4', '/clip.mp4'].map((p) => files.url(p))),
      'InvalidParameter',
      'Too many reference videos: at most 3 are allowed.',
    );
  });

  it.each([
    ['half a second', '/half-second.mp4'],
    ['31 s', '/half-minute.mp4'],
  ])('a clip of %s (1–30 s): InvalidFile.Duration', async (_, path) => {
    await expectFailed(
      r2v([files.url(path)]),
      'InvalidFile.Duration',
      'Invalid file duration. The file duration must be 1 s ~ 30 s.',
    );
  });

  it('neither image nor video: InvalidFile.Format', async () => {
    await expectFailed(
      r2v([files.url('/cat.png'), files.url('/notes.txt')]),
      'InvalidFile.Format',
      'Invalid file format. The file must be JPEG, PNG, BMP, WEBP, MP4 or MOV.',
    );
  });

  it('an image in reference_video_urls (videos only): InvalidFile.Format', async () => {
    await expectFailed(
      { model: 'wan2.6-r2v', input: { prompt: 'character1', reference_video_urls: [files.url('/cat.png')] } },
      'InvalidFile.Format',
    );
  });
});

describe('parameter values of the image models', () => {
  it('a resolution the model lacks (wanx2.1-i2v-turbo: 480P, 720P): InvalidParameter', async () => {
    await expectFailed(
      { ...i2v(dataUrl(SMALL), 'wanx2.1-i2v-turbo'), parameters: { resolution: '1080P' } },
      'InvalidParameter',
      'resolution is not supported',
    );
  });

  it('a duration other than the fixed 5 s of kf2v: InvalidParameter', async () => {
    await expectFailed(
      {
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: dataUrl(SMALL), last_frame_url: dataUrl(SMALL) },
        parameters: { duration: 10 },
      },
      'InvalidParameter',
      'duration is not supported',
      KF2V_PATH,
    );
  });

  it('a bad input is reported before a bad value', async () => {
    await expectFailed({ ...i2v(files.url('/notes.txt')), parameters: { duration: 7 } }, 'InvalidImage.FileFormat');
  });

  it('durations by region: wan2.6-i2v takes 7 s in Beijing, only 5, 10 or 15 s in Virginia', async () => {
    const virginia = await startSandbox({ clock, pendingMs: 0, runningMs: 0, region: 'virginia' });
    try {
      const body = { ...i2v(dataUrl(SMALL), 'wan2.6-i2v'), parameters: { duration: 7 } };
      expect((await outcome(body)).task_status).toBe('SUCCEEDED');
      const reply = await postCreate(virginia, body);
      const task = await getTask(virginia, reply.body.output.task_id);
      expect(task.body.output).toMatchObject({ task_status: 'FAILED', message: 'duration is not supported' });
    } finally {
      await virginia.close();
    }
  });
});
