import { createHash } from 'node:crypto';
import type { VideoSpec } from './video-spec.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One opaque RGBA pixel as a 32-bit word in the platform's byte order. */
function rgba(r: number, g: number, b: number): number {
  return LITTLE_ENDIAN
    ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/**
 * Paints the frames of a sandbox video: a vertical gradient, a row of tiles, a bouncing block and a
 * sweeping bar, with colours, tile pattern and motion all taken from a hash of prompt and seed, so
 * different tasks visibly differ. Whole rows are filled with `fill`/`set`, never pixel by pixel, because
 * a 1080P 15 s video is 450 frames of 2 M pixels.
 */
export class FramePainter {
  private readonly bytes: Uint8Array;
  private readonly pixels: Uint32Array;
  private readonly background: Uint32Array;
  private readonly hash: Buffer;

  constructor(private readonly spec: Pick<VideoSpec, 'width' | 'height' | 'fps' | 'prompt' | 'seed'>) {
    const { width, height } = spec;
    this.hash = createHash('sha256').update(`${spec.prompt}\0${spec.seed}`).digest();
    this.bytes = new Uint8Array(width * height * 4);
    this.pixels = new Uint32Array(this.bytes.buffer);
    this.background = this.paintBackground();
  }

  /** The RGBA bytes of frame `index`; the buffer is reused by the next call. */
  paint(index: number): Uint8Array {
    const { width: w, height: h, fps } = this.spec;
    const hash = this.hash;
    const t = index / fps;
    this.pixels.set(this.background);

    const block = Math.max(2, Math.floor(Math.min(w, h) / 4));
    const speed = (0.15 + hash[9]! / 512) * w; // px per second
    const x = Math.floor((t * speed + hash[10]! * 4) % (w + block)) - block;
    const y = Math.floor((h - block) / 2 + Math.sin(2 * Math.PI * (t / 2 + hash[11]! / 256)) * ((h - block) / 3));
    this.fillRect(x, y, block, block, rgba(255 - hash[0]!, 255 - hash[1]!, 255 - hash[2]!));

    const bar = Math.max(2, Math.floor(w / 40));
    const barX = w - Math.floor((t * (0.3 + hash[12]! / 512) * w + hash[13]! * 3) % (w + bar));
    this.fillRect(barX, 0, bar, h, rgba(hash[6]!, hash[7]!, hash[8]!));
    return this.bytes;
  }

  private paintBackground(): Uint32Array {
    const { width: w, height: h } = this.spec;
    const c = this.hash;
    for (let row = 0; row < h; row++) {
      const f = h > 1 ? row / (h - 1) : 0;
      const mix = (a: number, b: number) => Math.round(a + (b - a) * f);
      this.pixels.fill(rgba(mix(c[0]!, c[3]!), mix(c[1]!, c[4]!), mix(c[2]!, c[5]!)), row * w, (row + 1) * w);
    }
    // A row of 16 tiles near the top: a visible fingerprint of prompt + seed.
    const tile = Math.max(2, Math.floor(w / 16));
    const on = rgba(c[6]!, c[7]!, c[8]!);
    const off = rgba(255 - c[6]!, 255 - c[7]!, 255 - c[8]!);
    for (let i = 0; i < 16; i++) {
      const bit = (c[14 + (i >> 3)]! >> (i & 7)) & 1;
      this.fillRect(i * tile, Math.floor(h / 12), tile, Math.max(2, Math.floor(h / 16)), bit ? on : off);
    }
    return this.pixels.slice();
  }

  private fillRect(x: number, y: number, width: number, height: number, color: number): void {
    const { width: w, height: h } = this.spec;
    const x0 = Math.max(0, x);
    const x1 = Math.min(w, x + width);
    if (x1 <= x0) return;
    for (let row = Math.max(0, y); row < Math.min(h, y + height); row++) {
      this.pixels.fill(color, row * w + x0, row * w + x1);
    }
  }
}
