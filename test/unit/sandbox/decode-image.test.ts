import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../src/sandbox/decode-bmp.js';
import { decodeImage } from '../../../src/sandbox/decode-image.js';
import { decodePng } from '../../../src/sandbox/decode-png.js';
import { UndecodableImage } from '../../../src/sandbox/rgba-image.js';
import {
  colourDistance,
  encodeBmp,
  encodeJpeg,
  encodePng,
  noise,
  type Picture,
  pixel,
  QUADRANTS,
  QUADRANTS_WEBP,
  quadrants,
} from './images.js';

/**
 * The sandbox decodes input images to paint them into the video: PNG and BMP with its own code, JPEG
 * with jpeg-js, WebP with libwebp (@cwasm/webp). Each is checked against the picture it was made from.
 */

const source = quadrants(37, 23); // odd sizes: partial bytes at low depths, uneven Adam7 passes
const four = Object.values(QUADRANTS);

/** The four quadrants' centre pixels. */
function centres(picture: Picture): number[][] {
  const { width: w, height: h } = picture;
  return [
    pixel(picture, Math.floor(w / 4), Math.floor(h / 4)),
    pixel(picture, Math.floor((3 * w) / 4), Math.floor(h / 4)),
    pixel(picture, Math.floor(w / 4), Math.floor((3 * h) / 4)),
    pixel(picture, Math.floor((3 * w) / 4), Math.floor((3 * h) / 4)),
  ];
}

const expected = [QUADRANTS.topLeft, QUADRANTS.topRight, QUADRANTS.bottomLeft, QUADRANTS.bottomRight].map((c) => [
  ...c,
  255,
]);

describe('PNG', () => {
  const rgb = noise(37, 23);
  const rgbAlpha = noise(37, 23, { alpha: true });
  const indexed = noise(37, 23, { palette: four });
  it.each([
    ['RGB 8-bit', rgb, { colourType: 2 }],
    ['RGBA 8-bit', rgbAlpha, { colourType: 6 }],
    ['palette 8-bit', indexed, { colourType: 3 }],
    ['palette 4-bit', indexed, { colourType: 3, depth: 4 }],
    ['palette 2-bit', indexed, { colourType: 3, depth: 2 }],
    ['RGB 16-bit', rgb, { colourType: 2, depth: 16 }],
    ['RGBA 16-bit', rgbAlpha, { colourType: 6, depth: 16 }],
    ['RGB 8-bit, Adam7 interlaced', rgb, { colourType: 2, interlace: true }],
    ['palette 4-bit, Adam7 interlaced', indexed, { colourType: 3, depth: 4, interlace: true }],
  ] as const)('decodes %s exactly, every pixel', (_, picture, options) => {
    const image = decodePng(encodePng(picture, options));
    expect({ width: image.width, height: image.height }).toEqual({ width: 37, height: 23 });
    expect(Buffer.from(image.data).equals(Buffer.from(picture.data))).toBe(true);
  });

  it.each([
    ['8-bit', 8],
    ['1-bit', 1],
    ['16-bit', 16],
  ] as const)('decodes %s grey to equal R, G and B', (_, depth) => {
    const image = decodePng(encodePng(source, { colourType: 0, depth }));
    const grey = Math.round(QUADRANTS.topLeft.reduce((a, b) => a + b) / 3);
    const level = depth === 1 ? (grey >= 128 ? 255 : 0) : grey;
    expect(pixel(image, 0, 0)).toEqual([level, level, level, 255]);
  });

  it('reads grey + alpha and a tRNS colour key as alpha', () => {
    expect(pixel(decodePng(encodePng(source, { colourType: 4 })), 0, 0)[3]).toBe(255);
    const keyed = quadrants(8, 8, { ...QUADRANTS, topLeft: [0, 0, 0] });
    expect(pixel(decodePng(encodePng(keyed, { colourType: 2, transparency: true })), 0, 0)[3]).toBe(0);
    expect(pixel(decodePng(encodePng(keyed, { colourType: 2, transparency: true })), 7, 7)[3]).toBe(255);
  });

  it('refuses what is not a PNG, or is cut short', () => {
    expect(() => decodePng(Buffer.from('not a png at all'))).toThrow(UndecodableImage);
    const png = encodePng(source);
    expect(() => decodePng(png.subarray(0, 40))).toThrow();
  });
});

describe('BMP', () => {
  it.each([
    ['24-bit bottom-up', 24, false],
    ['24-bit top-down', 24, true],
    ['32-bit', 32, false],
    ['8-bit palette', 8, false],
  ] as const)('decodes %s exactly', (_, bits, topDown) => {
    const picture = bits === 8 ? noise(37, 23, { palette: four }) : noise(37, 23);
    const image = decodeBmp(encodeBmp(picture, bits, topDown));
    expect(Buffer.from(image.data).equals(Buffer.from(picture.data))).toBe(true);
  });

  it('refuses RLE compression (documented as not read)', () => {
    const bmp = encodeBmp(source, 8);
    bmp.writeUInt32LE(1, 30); // BI_RLE8
    expect(() => decodeBmp(bmp)).toThrow(/compression 1/);
  });
});

describe('decodeImage', () => {
  it('decodes JPEG (jpeg-js) to the colours within compression error', async () => {
    const image = await decodeImage(encodeJpeg(quadrants(64, 48)));
    expect({ width: image.width, height: image.height }).toEqual({ width: 64, height: 48 });
    expect(Math.max(...centres(image).map((c, i) => colourDistance(c, expected[i]!)))).toBeLessThanOrEqual(6);
  });

  it('decodes WebP (libwebp in WebAssembly)', async () => {
    const image = await decodeImage(QUADRANTS_WEBP);
    expect({ width: image.width, height: image.height }).toEqual({ width: 256, height: 256 });
    expect(Math.max(...centres(image).map((c, i) => colourDistance(c, expected[i]!)))).toBeLessThanOrEqual(4);
  });

  it('picks the decoder by the bytes, not by a name', async () => {
    expect((await decodeImage(encodePng(source))).width).toBe(37);
    expect((await decodeImage(encodeBmp(source))).width).toBe(37);
    await expect(decodeImage(Buffer.from('GIF89a……'))).rejects.toThrow(UndecodableImage);
  });
});
