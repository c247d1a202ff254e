import { deflateSync } from 'node:zlib';

/** Small, valid media files for tests: real headers, real pixels where a decoder may read them (WAV: wav.ts). */

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG filled with one colour (8-bit RGB, or RGBA with `alpha`; `transparent` adds a tRNS chunk). */
export function png(
  width: number,
  height: number,
  { rgb = [200, 40, 40], alpha = false, transparent = false } = {} as {
    rgb?: [number, number, number];
    alpha?: boolean;
    transparent?: boolean;
  },
): Buffer {
  const channels = alpha ? 4 : 3;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = alpha ? 6 : 2;
  const row = Buffer.alloc(1 + width * channels);
  for (let x = 0; x < width; x++) {
    row.set(rgb, 1 + x * channels);
    if (alpha) row[1 + x * channels + 3] = 128;
  }
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(transparent ? [pngChunk('tRNS', Buffer.from([0, 0, 0, 0, 0, 0]))] : []),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG header (SOI, an EXIF-sized APP1, SOF0) and EOI: enough for its size to be read, not decoded. */
export function jpegHeader(width: number, height: number, exifBytes = 2000): Buffer {
  const app1 = Buffer.alloc(4 + exifBytes);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + exifBytes, 2);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof, Buffer.from([0xff, 0xd9])]);
}

export function bmp(width: number, height: number): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + rowBytes * height, 0x80);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(-height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  return file;
}

/** A lossless WebP header (VP8L) with the given size; the bitstream after it is not valid. */
export function webpHeader(width: number, height: number): Buffer {
  const file = Buffer.alloc(40);
  file.write('RIFF', 0, 'latin1');
  file.writeUInt32LE(32, 4);
  file.write('WEBPVP8L', 8, 'latin1');
  file.writeUInt32LE(20, 16);
  file[20] = 0x2f;
  file.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 21);
  return file;
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

/** An MP4 (or MOV with `brand: 'qt  '`) whose moov, after its mdat, says how long and how large it is. */
export function mp4(seconds: number, width = 640, height = 360, { brand = 'isom', version = 0 } = {}): Buffer {
  const timescale = 1000;
  const mvhd =
    version === 1
      ? Buffer.concat([
          Buffer.from([1, 0, 0, 0]),
          Buffer.alloc(16),
          u32(timescale),
          u64(seconds * timescale),
          Buffer.alloc(80),
        ])
      : Buffer.concat([Buffer.alloc(4), Buffer.alloc(8), u32(timescale), u32(seconds * timescale), Buffer.alloc(80)]);
  const tkhd = Buffer.concat([Buffer.alloc(4), Buffer.alloc(72), u32(width * 65536), u32(height * 65536)]);
  return Buffer.concat([
    box('ftyp', Buffer.from(`${brand}\0\0\0\0isommp41`, 'latin1')),
    box('mdat', Buffer.alloc(256, 7)),
    box('moov', box('mvhd', mvhd), box('trak', box('tkhd', tkhd), box('mdia'))),
  ]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
