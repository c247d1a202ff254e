import { mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/api/errors/input-error.js';
import { DATA_URL_MAX_BYTES, prepareRequest, type Uploader, type VideoOptions } from '../../../src/api/media-inputs.js';
import type { Region } from '../../../src/api/regions.js';
import { jpegHeader, mp4, png } from '../../helpers/media.js';
import { silentWav } from '../../helpers/wav.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wan-media-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  writeFileSync(path.join(dir, name), bytes);
  return name;
}

const uploads: string[] = [];
const upload: Uploader = async (f, model) => {
  uploads.push(`${f.name} ${f.mime} ${f.data.length} ${model}`);
  return `oss://dashscope-instant/test/${f.name}`;
};

async function refused(options: VideoOptions, region: Region = 'beijing'): Promise<InputError> {
  try {
    await prepareRequest(options, region, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('not refused');
}

describe('prepareRequest: local files, checked by their content, then inlined or uploaded', () => {
  beforeEach(() => {
    uploads.length = 0;
  });

  it('a small image goes inline as a data: URL; the checked request shows its name, never its bytes', async () => {
    const still = png(320, 240);
    const prepared = await prepareRequest({ image: file('still.png', still), prompt: 'a cat' }, 'beijing', dir);
    expect(prepared.request.body.input.img_url).toBe(
      `data:image/png;base64,<still.png: ${still.length} bytes, sent inline>`,
    );
    expect(prepared.inputs).toEqual([
      { role: 'first_frame', name: 'still.png', bytes: still.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    const sent = await prepared.send(upload);
    expect(sent.body.input.img_url).toBe(`data:image/png;base64,${still.toString('base64')}`);
    expect(uploads).toEqual([]);
  });

  it('a large image and a clip are uploaded for the model, with oss:// resolution asked for', async () => {
    const big = Buffer.concat([png(1000, 800), Buffer.alloc(DATA_URL_MAX_BYTES)]);
    const prepared = await prepareRequest(
      { model: 'wan2.7-i2v', clip: file('take.mp4', mp4(4, 1280, 720)), lastFrame: file('end.png', big) },
      'beijing',
      dir,
    );
    expect(prepared.request.body.input.media).toEqual([
      { type: 'first_clip', url: 'oss://uploaded-when-sent/2/take.mp4' },
      { type: 'last_frame', url: 'oss://uploaded-when-sent/1/end.png' },
    ]);
    const sent = await prepared.send(upload);
    expect(sent.body.input.media).toEqual([
      { type: 'first_clip', url: 'oss://dashscope-instant/test/take.mp4' },
      { type: 'last_frame', url: 'oss://dashscope-instant/test/end.png' },
    ]);
    expect(sent.headers['x-dashscope-ossresourceresolve']).toBe('enable');
    expect(uploads).toEqual([
      `end.png image/png ${big.length} wan2.7-i2v`,
      `take.mp4 video/mp4 ${mp4(4, 1280, 720).length} wan2.7-i2v`,
    ]);
  });

  it('reference images are uploaded whatever their size: reference_urls takes no data: URLs', async () => {
    const prepared = await prepareRequest(
      { prompt: 'character1 waves', references: [file('hero.png', png(300, 300)), file('walk.mp4', mp4(3))] },
      'beijing',
      dir,
    );
    expect(prepared.request.body.input.reference_urls).toEqual([
      'oss://uploaded-when-sent/1/hero.png',
      'oss://uploaded-when-sent/2/walk.mp4',
    ]);
    expect(prepared.request.inputSeconds).toBe(2.5);
  });

  it('Virginia has no upload service: images go inline at any size, anything else is refused', async () => {
    const big = Buffer.concat([png(1000, 800), Buffer.alloc(DATA_URL_MAX_BYTES)]);
    const inline = await prepareRequest({ image: file('big.png', big) }, 'virginia', dir);
    expect(inline.request.body.input.img_url).toMatch(/^data:image\/png;base64,<big\.png/);
    const error = await refused({ prompt: 'p', references: [file('hero.png', png(300, 300))] }, 'virginia');
    expect(error.field).toBe('references');
    expect(error.message).toMatch(/virginia region has no upload service .* public http\(s\) URL of hero\.png/);
  });

  it('bytes in memory work like files', async () => {
    const prepared = await prepareRequest({ image: png(320, 240) }, 'beijing', dir);
    expect(prepared.inputs[0]).toMatchObject({ role: 'first_frame', name: 'first_frame.png' });
  });

  it.each([
    [
      'not an image, whatever its name',
      () => ({ image: file('cat.png', Buffer.from('hello')) }),
      'image',
      /cat\.png is not an image \(by its content\)/,
    ],
    ['a PNG with alpha', () => ({ image: file('a.png', png(300, 300, { alpha: true })) }), 'image', /transparency/],
    ['too small', () => ({ image: file('s.png', png(200, 300)) }), 'image', /200×300 px; .* 240–8000 px/],
    ['too large in pixels', () => ({ image: file('huge.jpg', jpegHeader(9000, 4000)) }), 'image', /9000×4000/],
    [
      'too wide for wan2.7',
      () => ({ model: 'wan2.7-i2v', image: file('w.jpg', jpegHeader(4000, 300)) }),
      'image',
      /1:8 to 8:1/,
    ],
    [
      'a last frame that is a clip',
      () => ({ image: file('a.png', png(300, 300)), lastFrame: file('b.mp4', mp4(3)) }),
      'lastFrame',
      /not an image/,
    ],
    [
      'a clip too long',
      () => ({ model: 'wan2.7-i2v', clip: file('long.mp4', mp4(12)) }),
      'clip',
      /lasts 12\.0 s; .* 2–10 s/,
    ],
    ['a clip that is an image', () => ({ model: 'wan2.7-i2v', clip: file('c.png', png(300, 300)) }), 'clip', /neither/],
    [
      'a reference clip too long',
      () => ({ prompt: 'p', references: [file('r.mp4', mp4(31))] }),
      'references',
      /1–30 s/,
    ],
    [
      'driving audio too short',
      () => ({ model: 'wan2.7-i2v', image: file('a.png', png(300, 300)), audioSource: file('v.wav', silentWav(1)) }),
      'audioUrl',
      /2–30 s/,
    ],
    ['a file that does not exist', () => ({ image: 'missing.png' }), 'image', /missing\.png does not exist/],
    ['a directory', () => ({ image: '.' }), 'image', /is not a file/],
  ] as const)('refuses %s before anything is read twice or sent', async (_name, options, field, message) => {
    const error = await refused(options() as VideoOptions);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('a file larger than the model takes is refused by its size', async () => {
    const name = file('big.png', png(300, 300));
    truncateSync(path.join(dir, name), 11 * 1024 * 1024);
    const error = await refused({ model: 'wan2.2-i2v-flash', image: name });
    expect(error.message).toMatch(/big\.png is 11\.0 MB; wan2\.2-i2v-flash takes images up to 10\.0 MB/);
  });

  it('a file edited after it was checked is not sent', async () => {
    const name = file('still.png', png(320, 240));
    const prepared = await prepareRequest({ image: name }, 'beijing', dir);
    writeFileSync(path.join(dir, name), png(320, 240, { rgb: [0, 0, 255] }));
    await expect(prepared.send(upload)).rejects.toThrow(/still\.png changed after it was checked; nothing was sent/);
  });

  it('the same content is the same request under another name; other content is another', async () => {
    const identity = async (name: string) =>
      JSON.stringify((await prepareRequest({ image: name, prompt: 'p' }, 'beijing', dir)).identityBody);
    const before = await identity(file('a.png', png(320, 240)));
    renameSync(path.join(dir, 'a.png'), path.join(dir, 'b.png'));
    expect(await identity('b.png')).toBe(before);
    expect(await identity(file('c.png', png(320, 240, { rgb: [1, 2, 3] })))).not.toBe(before);
  });

  it('URLs are sent as they are, with nothing read', async () => {
    const prepared = await prepareRequest({ image: 'https://example.com/cat.png' }, 'beijing', dir);
    expect(prepared.inputs).toEqual([]);
    expect(await prepared.send(upload)).toBe(prepared.request);
  });
});
