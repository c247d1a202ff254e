import { type RgbaImage, UndecodableImage } from './rgba-image.js';

/**
 * A BMP decoder for input frames (Microsoft's BITMAPINFOHEADER family, and the OS/2 core header):
 * uncompressed 1-, 4- and 8-bit palette images, 16- and 32-bit with or without BI_BITFIELDS masks,
 * and 24-bit, stored bottom-up or top-down. RLE-compressed and embedded JPEG/PNG bitmaps are not
 * read (UndecodableImage): the service's own pages name no BMP variant, and cameras never write them.
 */

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function decodeBmp(bytes: Uint8Array): RgbaImage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 26 || b.toString('latin1', 0, 2) !== 'BM') throw new UndecodableImage('not a BMP');
  const dataAt = b.readUInt32LE(10);
  const dibSize = b.readUInt32LE(14);
  const core = dibSize === 12;
  const width = core ? b.readUInt16LE(18) : b.readInt32LE(18);
  const signedHeight = core ? b.readInt16LE(20) : b.readInt32LE(22);
  const bits = b.readUInt16LE(core ? 24 : 28);
  const compression = core ? BI_RGB : b.readUInt32LE(30);
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression))
    throw new UndecodableImage(`BMP compression ${compression}`);
  const height = Math.abs(signedHeight);
  if (width <= 0 || height === 0) throw new UndecodableImage('BMP without pixels');

  // Masks follow a 40-byte header, or sit at the same offset inside the larger V2–V5 headers.
  const maskCount = compression === BI_ALPHABITFIELDS ? 4 : compression === BI_BITFIELDS ? 3 : 0;
  const extraMasks = dibSize === 40 ? maskCount * 4 : 0;
  const masks =
    maskCount > 0
      ? [b.readUInt32LE(54), b.readUInt32LE(58), b.readUInt32LE(62)]
      : bits === 16
        ? [0x7c00, 0x03e0, 0x001f]
        : [0xff0000, 0x00ff00, 0x0000ff];
  const paletteAt = 14 + dibSize + extraMasks;
  const entry = core ? 3 : 4;
  const colours = bits <= 8 ? (!core && b.readUInt32LE(46)) || 1 << bits : 0;
  const stride = Math.floor((bits * width + 31) / 32) * 4;
  if (dataAt + stride * height > b.length) throw new UndecodableImage('BMP pixel data is cut short');

  const out = new Uint8Array(width * height * 4);
  const channel = masks.map(maskReader);
  for (let y = 0; y < height; y++) {
    // Positive heights are stored bottom-up.
    const row = dataAt + (signedHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      out[at + 3] = 255;
      if (bits <= 8) {
        const bit = x * bits;
        const index = (b[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
        const p = paletteAt + (index < colours ? index : 0) * entry;
        out[at] = b[p + 2] ?? 0;
        out[at + 1] = b[p + 1] ?? 0;
        out[at + 2] = b[p] ?? 0;
      } else if (bits === 24) {
        out[at] = b[row + x * 3 + 2]!;
        out[at + 1] = b[row + x * 3 + 1]!;
        out[at + 2] = b[row + x * 3]!;
      } else if (bits === 16 || bits === 32) {
        const value = bits === 16 ? b.readUInt16LE(row + x * 2) : b.readUInt32LE(row + x * 4);
        for (let c = 0; c < 3; c++) out[at + c] = channel[c]!(value);
      } else throw new UndecodableImage(`BMP with ${bits} bits a pixel`);
    }
  }
  return { width, height, data: out };
}

/** A function scaling the bits of `mask` in a pixel value to 0–255. */
function maskReader(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / max);
}
