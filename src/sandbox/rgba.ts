/**
 * Pixels as 32-bit words over RGBA bytes: the painters fill and copy whole rows of words, never byte
 * by byte, because a 1080P 15 s video is 450 frames of 2 M pixels.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One opaque RGBA pixel as a 32-bit word in the platform's byte order. */
export function rgba(r: number, g: number, b: number): number {
  return LITTLE_ENDIAN
    ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** OR-ed into a word, makes it opaque (alpha byte 255) whatever the platform's byte order. */
export const OPAQUE = rgba(0, 0, 0);

/** Fills a rectangle of a `width`×`height` picture, clipped to it. */
export function fillRect(
  pixels: Uint32Array,
  size: { width: number; height: number },
  rect: { x: number; y: number; width: number; height: number },
  color: number,
): void {
  const { width: w, height: h } = size;
  const x0 = Math.max(0, rect.x);
  const x1 = Math.min(w, rect.x + rect.width);
  if (x1 <= x0) return;
  for (let row = Math.max(0, rect.y); row < Math.min(h, rect.y + rect.height); row++) {
    pixels.fill(color, row * w + x0, row * w + x1);
  }
}
