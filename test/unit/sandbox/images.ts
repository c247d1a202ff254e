import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

/**
 * Test images made in memory, so no fixture file or tool is needed: a picture of four solid quadrants
 * (easy to recognise in a scaled, encoded frame) written as PNG (any colour type, depth, filter, and
 * Adam7), BMP, JPEG (jpeg-js's encoder) and WebP (one small file made once with ffmpeg, kept here).
 */

export type Rgb = readonly [number, number, number];

export const QUADRANTS = {
  topLeft: [220, 30, 30],
  topRight: [30, 200, 60],
  bottomLeft: [40, 60, 220],
  bottomRight: [230, 210, 40],
} as const satisfies Record<string, Rgb>;

/** Another picture for last frames: the quadrants' colours turned around. */
export const OTHER_QUADRANTS = {
  topLeft: QUADRANTS.bottomRight,
  topRight: QUADRANTS.bottomLeft,
  bottomLeft: QUADRANTS.topRight,
  bottomRight: QUADRANTS.topLeft,
} as const satisfies Record<string, Rgb>;

export interface Picture {
  width: number;
  height: number;
  /** RGBA. */
  data: Uint8Array;
}

export function quadrants(
  width: number,
  height: number,
  colours: Record<keyof typeof QUADRANTS, Rgb> = QUADRANTS,
): Picture {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = y < height / 2;
      const left = x < width / 2;
      const c = top ? (left ? colours.topLeft : colours.topRight) : left ? colours.bottomLeft : colours.bottomRight;
      data.set([...c, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/**
 * Deterministic noise: each pixel one of `palette`, or any colour (and, with `alpha`, any opacity).
 * Unlike flat areas, it makes every PNG filter predict from real neighbours.
 */
export function noise(width: number, height: number, options: { palette?: Rgb[]; alpha?: boolean } = {}): Picture {
  const data = new Uint8Array(width * height * 4);
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 24;
  };
  for (let i = 0; i < width * height; i++) {
    const c = options.palette ? options.palette[next() % options.palette.length]! : [next(), next(), next()];
    data.set([...c, options.alpha ? next() : 255], i * 4);
  }
  return { width, height, data };
}

/** The colour of a picture's pixel. */
export function pixel(picture: Picture, x: number, y: number): number[] {
  const at = (y * picture.width + x) * 4;
  return Array.from(picture.data.subarray(at, at + 4));
}

// --- PNG -------------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

export interface PngOptions {
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. @default 2 */
  colourType?: 0 | 2 | 3 | 4 | 6;
  /** @default 8 */
  depth?: 1 | 2 | 4 | 8 | 16;
  interlace?: boolean;
  /** Add a tRNS chunk (makes the image "have alpha" for the service). */
  transparency?: boolean;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** A PNG of the picture; rows use the five filter types in turn, so a decoder must undo them all. */
export function encodePng(picture: Picture, options: PngOptions = {}): Buffer {
  const { colourType = 2, depth = 8, interlace = false } = options;
  const { width, height } = picture;
  const palette: number[][] = [];
  const samplesOf = (x: number, y: number): number[] => {
    const [r, g, b, a] = pixel(picture, x, y) as [number, number, number, number];
    const grey = Math.round((r + g + b) / 3);
    const scale = (v: number) =>
      depth === 16 ? v * 257 : depth === 8 ? v : Math.round((v * ((1 << depth) - 1)) / 255);
    if (colourType === 3) {
      let index = palette.findIndex((p) => p[0] === r && p[1] === g && p[2] === b);
      if (index === -1) index = palette.push([r, g, b]) - 1;
      return [index];
    }
    if (colourType === 0) return [scale(grey)];
    if (colourType === 4) return [scale(grey), scale(a)];
    if (colourType === 2) return [scale(r), scale(g), scale(b)];
    return [scale(r), scale(g), scale(b), scale(a)];
  };
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colourType];
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  const raw: number[] = [];
  let rowNumber = 0;
  for (const [x0, y0, dx, dy] of passes as number[][]) {
    const columns = Math.ceil((width - x0!) / dx!);
    const rows = Math.ceil((height - y0!) / dy!);
    if (columns <= 0 || rows <= 0) continue;
    let previous = new Uint8Array(Math.ceil((columns * bitsPerPixel) / 8));
    for (let j = 0; j < rows; j++) {
      const row = new Uint8Array(previous.length);
      for (let i = 0; i < columns; i++) {
        const samples = samplesOf(x0! + i * dx!, y0! + j * dy!);
        samples.forEach((v, s) => {
          const index = i * channels + s;
          if (depth === 16) {
            row[index * 2] = v >> 8;
            row[index * 2 + 1] = v & 0xff;
          } else if (depth === 8) row[index] = v;
          else row[(index * depth) >> 3]! |= v << (8 - depth - ((index * depth) & 7));
        });
      }
      const filter = rowNumber++ % 5;
      raw.push(filter, ...filterRow(row, previous, bpp, filter));
      previous = row;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colourType, 0, 0, interlace ? 1 : 0], 8);
  const chunks = [chunk('IHDR', ihdr)];
  if (colourType === 3) chunks.push(chunk('PLTE', Buffer.from(palette.flat())));
  if (options.transparency)
    chunks.push(chunk('tRNS', colourType === 3 ? Buffer.from([0]) : Buffer.alloc(channels * 2)));
  chunks.push(chunk('IDAT', deflateSync(Buffer.from(raw))), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function filterRow(row: Uint8Array, previous: Uint8Array, bpp: number, filter: number): number[] {
  return Array.from(row, (v, i) => {
    const left = i >= bpp ? row[i - bpp]! : 0;
    const up = previous[i]!;
    const upLeft = i >= bpp ? previous[i - bpp]! : 0;
    const p = left + up - upLeft;
    const paeth =
      Math.abs(p - left) <= Math.abs(p - up) && Math.abs(p - left) <= Math.abs(p - upLeft)
        ? left
        : Math.abs(p - up) <= Math.abs(p - upLeft)
          ? up
          : upLeft;
    const predictor = [0, left, up, (left + up) >> 1, paeth][filter]!;
    return (v - predictor) & 0xff;
  });
}

// --- BMP, JPEG, WebP ---------------------------------------------------------------------------------

/** A BITMAPINFOHEADER BMP: 24-bit, 32-bit (BGRX) or 8-bit with a palette; bottom-up unless `topDown`. */
export function encodeBmp(picture: Picture, bits: 8 | 24 | 32 = 24, topDown = false): Buffer {
  const { width, height } = picture;
  const stride = Math.floor((bits * width + 31) / 32) * 4;
  const palette: number[][] = [];
  const paletteBytes = bits === 8 ? 256 * 4 : 0;
  const dataAt = 14 + 40 + paletteBytes;
  const b = Buffer.alloc(dataAt + stride * height);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(dataAt, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(topDown ? -height : height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bits, 28);
  for (let y = 0; y < height; y++) {
    const row = dataAt + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const [r, g, bl] = pixel(picture, x, y) as [number, number, number];
      if (bits === 8) {
        let index = palette.findIndex((p) => p[0] === r && p[1] === g && p[2] === bl);
        if (index === -1) index = palette.push([r, g, bl]) - 1;
        b[row + x] = index;
      } else b.set([bl, g, r], row + x * (bits / 8));
    }
  }
  for (const [i, [r, g, bl]] of palette.entries()) b.set([bl!, g!, r!, 0], 54 + i * 4);
  return b;
}

export function encodeJpeg(picture: Picture, quality = 95): Buffer {
  return jpeg.encode({ width: picture.width, height: picture.height, data: Buffer.from(picture.data) }, quality).data;
}

/**
 * 256×256 lossless WebP (VP8L) of the quadrants, made once with
 * `ffmpeg -f lavfi -i color=… (four 128×128 colours, hstack/vstack) -c:v libwebp -lossless 1`.
 * ffmpeg's colour source passes through YUV, so its colours are within 3 of QUADRANTS'.
 */
export const QUADRANTS_WEBP = Buffer.from(
  'UklGRkoAAABXRUJQVlA4TD4AAAAv/8A/AB8gECBKZCrzpkVMQ/ymj/45lBESENUB1XZT5z+4gZMOZAIWSiqppHsJFtH/CQg+XP8JvOPF9Z/AAw==',
  'base64',
);

export function dataUrl(bytes: Uint8Array, mime = 'image/png'): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** Channel-by-channel distance between two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...[0, 1, 2].map((i) => Math.abs(a[i]! - b[i]!)));
}
