import { inflateSync } from 'node:zlib';
import { type RgbaImage, UndecodableImage } from './rgba-image.js';

/**
 * A PNG decoder for input frames (PNG spec, W3C 3rd edition, §7–§8, §11): every colour type (grey,
 * RGB, palette, grey + alpha, RGBA), bit depths 1 to 16 (16-bit samples keep their high byte), tRNS
 * transparency, and Adam7 interlacing. Gamma, colour profiles and CRCs are ignored: the result only
 * paints a test video. Only zlib is needed, and Node has it.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by colour type (§6.1). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes (§8.2): first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Header {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlaced: boolean;
  palette?: Buffer;
  transparency?: Buffer;
}

export function decodePng(bytes: Uint8Array): RgbaImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || SIGNATURE.some((b, i) => buffer[i] !== b)) throw new UndecodableImage('not a PNG');
  const { header, data } = readChunks(buffer);
  const channels = CHANNELS[header.colourType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(header.depth))
    throw new UndecodableImage(`PNG colour type ${header.colourType} at depth ${header.depth}`);
  if (header.colourType === 3 && !header.palette) throw new UndecodableImage('palette PNG without PLTE');
  const raw = inflateSync(data);
  const out = new Uint8Array(header.width * header.height * 4);
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((header.width - x0) / dx);
    const rows = Math.ceil((header.height - y0) / dy);
    if (columns <= 0 || rows <= 0) continue;
    const pixel = pixelReader(header, channels);
    offset = unfilter(raw, offset, columns, rows, channels * header.depth, (row, j) => {
      for (let i = 0; i < columns; i++) pixel(row, i, out, ((y0 + j * dy) * header.width + x0 + i * dx) * 4);
    });
  }
  return { width: header.width, height: header.height, data: out };
}

function readChunks(buffer: Buffer): { header: Header; data: Buffer } {
  let header: Header | undefined;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const body = buffer.subarray(at + 8, at + 8 + length);
    if (body.length < length) throw new UndecodableImage(`PNG chunk ${type} is cut short`);
    if (type === 'IHDR') {
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        depth: body[8]!,
        colourType: body[9]!,
        interlaced: body[12] === 1,
      };
    } else if (type === 'PLTE' && header) header.palette = body;
    else if (type === 'tRNS' && header) header.transparency = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header || idat.length === 0) throw new UndecodableImage('PNG without IHDR or IDAT');
  return { header, data: Buffer.concat(idat) };
}

/**
 * Reverses the scanline filters (§7.3, §9) of `rows` rows of `columns` pixels starting at `offset`,
 * calling `each` with every row; returns where the next pass starts.
 */
function unfilter(
  raw: Buffer,
  offset: number,
  columns: number,
  rows: number,
  bitsPerPixel: number,
  each: (row: Uint8Array, index: number) => void,
): number {
  const rowBytes = Math.ceil((columns * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let previous = new Uint8Array(rowBytes);
  let current = new Uint8Array(rowBytes);
  for (let j = 0; j < rows; j++, offset += rowBytes + 1) {
    if (offset + rowBytes + 1 > raw.length) throw new UndecodableImage('PNG image data is cut short');
    const filter = raw[offset]!;
    current.set(raw.subarray(offset + 1, offset + 1 + rowBytes));
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= bpp ? current[i - bpp]! : 0;
      const up = previous[i]!;
      const upLeft = i >= bpp ? previous[i - bpp]! : 0;
      if (filter === 1) current[i] = current[i]! + left;
      else if (filter === 2) current[i] = current[i]! + up;
      else if (filter === 3) current[i] = current[i]! + ((left + up) >> 1);
      else if (filter === 4) current[i] = current[i]! + paeth(left, up, upLeft);
      else if (filter !== 0) throw new UndecodableImage(`PNG filter type ${filter}`);
    }
    each(current, j);
    [previous, current] = [current, previous];
  }
  return offset;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Writes pixel `i` of an unfiltered row as RGBA at `out[at]`. */
function pixelReader(
  header: Header,
  channels: number,
): (row: Uint8Array, i: number, out: Uint8Array, at: number) => void {
  const { depth, colourType, palette, transparency } = header;
  const max = (1 << depth) - 1;
  // Sample `s` of pixel `i`, at full precision.
  const sample = (row: Uint8Array, i: number, s: number): number => {
    const index = i * channels + s;
    if (depth === 8) return row[index]!;
    if (depth === 16) return (row[index * 2]! << 8) | row[index * 2 + 1]!;
    const bit = index * depth;
    return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & max;
  };
  const to8 = (v: number) => (depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / max));
  // tRNS for grey and RGB (§11.3.2.1): one 16-bit value per channel that is fully transparent.
  const key =
    transparency && colourType !== 3
      ? Array.from({ length: channels }, (_, s) => transparency.readUInt16BE(s * 2))
      : undefined;
  return (row, i, out, at) => {
    if (colourType === 3) {
      const index = sample(row, i, 0);
      out[at] = palette![index * 3] ?? 0;
      out[at + 1] = palette![index * 3 + 1] ?? 0;
      out[at + 2] = palette![index * 3 + 2] ?? 0;
      out[at + 3] = transparency?.[index] ?? 255;
      return;
    }
    const colour = colourType === 2 || colourType === 6;
    const values = [sample(row, i, 0), sample(row, i, colour ? 1 : 0), sample(row, i, colour ? 2 : 0)];
    out[at] = to8(values[0]!);
    out[at + 1] = to8(values[1]!);
    out[at + 2] = to8(values[2]!);
    if (colourType === 4 || colourType === 6) out[at + 3] = to8(sample(row, i, channels - 1));
    else out[at + 3] = key?.every((k, s) => k === values[s]) ? 0 : 255;
  };
}
