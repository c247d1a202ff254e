import { OPAQUE } from './rgba.js';
import type { RgbaImage } from './rgba-image.js';

/**
 * The picture scaled to cover a `width`×`height` frame: scaled by the larger of the two ratios and
 * cropped at the centre, so nothing is stretched. For a first frame the frame size was made from the
 * image's own aspect (output-size.ts), so at most a few pixels are cropped; a last frame or a reference
 * image of another shape loses its edges instead of being squashed.
 *
 * Nearest-neighbour sampling at pixel centres: cheap (one lookup per pixel), and an area of one colour
 * keeps exactly that colour, which is what tests compare. Alpha is dropped: the service takes no PNG
 * with alpha, and video has none.
 */
export function coverScale(image: RgbaImage, width: number, height: number): Uint32Array {
  const source = words(image);
  const scale = Math.max(width / image.width, height / image.height);
  const cropWidth = width / scale;
  const cropHeight = height / scale;
  const left = (image.width - cropWidth) / 2;
  const top = (image.height - cropHeight) / 2;
  const columns = new Int32Array(width);
  for (let x = 0; x < width; x++) columns[x] = clamp(Math.floor(left + ((x + 0.5) * cropWidth) / width), image.width);
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = clamp(Math.floor(top + ((y + 0.5) * cropHeight) / height), image.height) * image.width;
    const to = y * width;
    for (let x = 0; x < width; x++) out[to + x] = (source[from + columns[x]!]! | OPAQUE) >>> 0;
  }
  return out;
}

function clamp(value: number, size: number): number {
  return Math.min(size - 1, Math.max(0, value));
}

/** The pixels as 32-bit words (copied when the bytes do not start on a 4-byte boundary). */
function words(image: RgbaImage): Uint32Array {
  const { data } = image;
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, image.width * image.height);
}
