import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FramePainter } from '../../../src/sandbox/frame-painter.js';
import { MediaStore } from '../../../src/sandbox/media-store.js';
import { outputSize } from '../../../src/sandbox/output-size.js';
import { frameCount, painterFor } from '../../../src/sandbox/render-video.js';
import { coverScale } from '../../../src/sandbox/scale-image.js';
import { StillPainter } from '../../../src/sandbox/still-painter.js';
import { type VideoSpec, videoKey } from '../../../src/sandbox/video-spec.js';
import { tempDir } from './helpers.js';
import { encodePng, OTHER_QUADRANTS, type Picture, pixel, QUADRANTS, quadrants, type Rgb } from './images.js';

/**
 * Videos made from input images: their size follows the image (research modes.md §2.3), frame 0 is the
 * first image scaled to that size, and a first-and-last-frame video's last frame is the last image.
 * Checked on the painter's RGBA output, exactly, so no video decoder is needed.
 */

const opaque = (c: Rgb) => [...c, 255];
const asPicture = (frame: Uint8Array, width: number, height: number): Picture => ({ width, height, data: frame });
const words = (frame: Uint8Array) => Buffer.from(frame);

/** The quadrant colours of a frame, sampled at each quadrant's centre. */
function quadrantColours(frame: Picture): number[][] {
  const { width: w, height: h } = frame;
  return [
    pixel(frame, Math.floor(w / 4), Math.floor(h / 4)),
    pixel(frame, Math.floor((3 * w) / 4), Math.floor(h / 4)),
    pixel(frame, Math.floor(w / 4), Math.floor((3 * h) / 4)),
    pixel(frame, Math.floor((3 * w) / 4), Math.floor((3 * h) / 4)),
  ];
}
const colours = (q: typeof QUADRANTS | typeof OTHER_QUADRANTS) =>
  [q.topLeft, q.topRight, q.bottomLeft, q.bottomRight].map(opaque);

describe('outputSize', () => {
  it.each([
    ['the documented example: 750×1000 at 720P', 750, 1000, '720P', 816, 1104],
    ['16:9 at 720P', 1920, 1080, '720P', 1280, 720],
    ['16:9 at 1080P', 1280, 720, '1080P', 1920, 1072],
    ['1:1 at 1080P', 500, 500, '1080P', 1440, 1440],
    ['4:3 at 480P', 640, 480, '480P', 720, 544],
    ['8:1 at 720P', 8000, 1000, '720P', 2704, 336],
  ] as const)('%s gives %i×%i', (_, w, h, tier, width, height) => {
    const size = outputSize(w, h, tier);
    expect(size).toEqual({ width, height });
    expect(size.width % 16).toBe(0);
    expect(size.height % 16).toBe(0);
  });
});

describe('coverScale', () => {
  it('keeps each area of one colour exactly that colour, at any scale', () => {
    for (const [w, h] of [
      [816, 1104],
      [96, 64],
      [33, 17],
    ] as const) {
      const scaled = coverScale(quadrants(750, 1000), w, h);
      const frame = asPicture(new Uint8Array(scaled.buffer), w, h);
      expect(quadrantColours(frame)).toEqual(colours(QUADRANTS));
    }
  });

  it('crops a picture of another shape at the centre instead of squashing it', () => {
    // A wide picture in a square frame: the middle half survives, so the frame's left edge is the
    // picture's x = 25% column (still the left quadrants' colour) and nothing of the far edges shows.
    const scaled = coverScale(quadrants(400, 100), 100, 100);
    const frame = asPicture(new Uint8Array(scaled.buffer), 100, 100);
    expect(pixel(frame, 0, 10)).toEqual(opaque(QUADRANTS.topLeft));
    expect(pixel(frame, 99, 90)).toEqual(opaque(QUADRANTS.bottomRight));
  });

  it('makes every pixel opaque', () => {
    const picture = quadrants(4, 4);
    for (let i = 3; i < picture.data.length; i += 4) picture.data[i] = 0;
    const frame = new Uint8Array(coverScale(picture, 4, 4).buffer);
    expect([...frame].filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });
});

describe('StillPainter', () => {
  const spec = { width: 96, height: 64, fps: 30, prompt: 'a lighthouse', seed: 4 };
  const frames = 60;
  const first = coverScale(quadrants(300, 200), spec.width, spec.height);
  const last = coverScale(quadrants(300, 200, OTHER_QUADRANTS), spec.width, spec.height);
  const frame = (painter: StillPainter, i: number) => asPicture(painter.paint(i).slice(), spec.width, spec.height);

  it('image-to-video: frame 0 is the scaled image, exactly; later frames show it under a moving bar', () => {
    const painter = new StillPainter(spec, { first }, frames);
    expect(words(painter.paint(0)).equals(Buffer.from(first.buffer))).toBe(true);
    const later = frame(painter, 20);
    expect(words(later.data).equals(Buffer.from(first.buffer))).toBe(false);
    const same = [...new Uint32Array(later.data.buffer)].filter((w, i) => w === first[i]).length;
    expect(same / first.length).toBeGreaterThan(0.9);
  });

  it('first and last frame: frame 0 is the first image and the last frame the last, exactly', () => {
    const painter = new StillPainter(spec, { first, last }, frames);
    expect(quadrantColours(frame(painter, 0))).toEqual(colours(QUADRANTS));
    expect(words(painter.paint(0)).equals(Buffer.from(first.buffer))).toBe(true);
    expect(words(painter.paint(frames - 1)).equals(Buffer.from(last.buffer))).toBe(true);
    expect(quadrantColours(frame(painter, frames - 1))).toEqual(colours(OTHER_QUADRANTS));
  });

  it('wipes from the first image to the last between them', () => {
    const middle = frame(new StillPainter(spec, { first, last }, frames), Math.floor(frames / 2));
    // Left of the edge: the last image; right of it: the first.
    expect(pixel(middle, 2, 2)).toEqual(opaque(OTHER_QUADRANTS.topLeft));
    expect(pixel(middle, spec.width - 3, 2)).toEqual(opaque(QUADRANTS.topRight));
  });

  it('a first clip and a last frame: procedural frames that end on the last image', () => {
    const painter = new StillPainter(spec, { last }, frames);
    const procedural = new FramePainter(spec);
    expect(words(painter.paint(0)).equals(words(procedural.paint(0)))).toBe(true);
    expect(words(painter.paint(frames - 1)).equals(Buffer.from(last.buffer))).toBe(true);
  });

  it('reference images: each in turn, the first on frame 0', () => {
    const painter = new StillPainter(spec, { slides: [first, last] }, frames);
    expect(words(painter.paint(0)).equals(Buffer.from(first.buffer))).toBe(true);
    expect(words(painter.paint(frames / 2)).equals(Buffer.from(last.buffer))).toBe(true);
    expect(quadrantColours(frame(painter, frames / 2 - 1))).toEqual(colours(QUADRANTS));
  });
});

describe('painting a spec with stills', () => {
  const png = encodePng(quadrants(640, 480));
  const hash = createHash('sha256').update(png).digest('hex');
  const spec: VideoSpec = { width: 720, height: 544, fps: 30, duration: 2, prompt: 'p', seed: 1, sound: false };

  it('decodes the input named by hash and paints it on frame 0', async () => {
    const painter = await painterFor({ ...spec, stills: { first: hash } }, { [hash]: png });
    const frame0 = asPicture(painter.paint(0), spec.width, spec.height);
    expect(quadrantColours(frame0)).toEqual(colours(QUADRANTS));
    expect(frameCount(spec)).toBe(60);
  });

  it('paints an image it cannot decode as one flat colour instead of failing', async () => {
    const broken = Buffer.concat([png.subarray(0, 60), Buffer.alloc(100)]);
    const painter = await painterFor({ ...spec, stills: { first: 'x' } }, { x: broken });
    const pixels = new Uint32Array(painter.paint(0).buffer);
    expect(pixels.every((p) => p === pixels[0])).toBe(true);
  });

  it('keys the cache by the images’ hashes, and text-to-video keys by the spec alone, as before', () => {
    const keys = new Set([
      videoKey(spec),
      videoKey({ ...spec, stills: { first: hash } }),
      videoKey({ ...spec, stills: { first: 'b'.repeat(64) } }),
      videoKey({ ...spec, stills: { first: hash, last: hash } }),
      videoKey({ ...spec, stills: { last: hash } }),
      videoKey({ ...spec, stills: { slides: [hash] } }),
    ]);
    expect(keys.size).toBe(6);
    const { width, height, fps, duration, prompt, seed, sound } = spec;
    const before = createHash('sha256')
      .update(JSON.stringify([3, width, height, fps, duration, prompt, seed, sound]))
      .digest('hex')
      .slice(0, 40);
    expect(videoKey(spec)).toBe(before);
  });
});

describe('MediaStore', () => {
  it('keeps files by content hash, in memory for a while', async () => {
    const store = new MediaStore(undefined, 1000);
    const hash = await store.put(Buffer.from('abc'), 0);
    expect(hash).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(Buffer.from((await store.get(hash))!).toString()).toBe('abc');
    await store.put(Buffer.from('later'), 1000);
    expect(await store.get(hash)).toBeUndefined();
  });

  it('shares files through a directory, and says which file of a video is gone', async () => {
    const dir = await tempDir('media');
    try {
      const hash = await new MediaStore(dir.path, 1000).put(Buffer.from('abc'), 0);
      const other = new MediaStore(dir.path, 1000);
      expect(Object.keys(await other.inputsFor({ first: hash, slides: [hash] }))).toEqual([hash]);
      await expect(other.inputsFor({ last: 'f'.repeat(64) })).rejects.toThrow(
        /ffffffffffff… of this task is no longer stored/,
      );
    } finally {
      await dir.remove();
    }
  });
});
