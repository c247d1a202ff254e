import { decodeBmp } from './decode-bmp.js';
import { decodePng } from './decode-png.js';
import { type RgbaImage, UndecodableImage } from './rgba-image.js';

/**
 * Decodes an input image of any format the service takes (JPEG, PNG, BMP, WebP) to RGBA. PNG and BMP
 * are simple enough to read here; JPEG (Huffman, IDCT, progressive scans) is jpeg-js's job, a pure
 * JavaScript decoder, and WebP (VP8 and VP8L) is libwebp's, compiled to WebAssembly by @cwasm/webp.
 * Both load only when such an image is painted. Throws UndecodableImage (or the decoder's error) for
 * anything else.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaImage> {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return decodePng(bytes);
  if (ascii(0, 2) === 'BM') return decodeBmp(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const { decode } = await import('jpeg-js');
    // An 8000×8000 image (the largest any model takes) needs 256 MB as RGBA; jpeg-js's default cap is 512 MB.
    const image = decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: image.width, height: image.height, data: image.data };
  }
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') {
    const { decode } = await import('@cwasm/webp');
    const image = decode(bytes);
    return { width: image.width, height: image.height, data: new Uint8Array(image.data.buffer) };
  }
  throw new UndecodableImage('not an image format the service takes');
}
