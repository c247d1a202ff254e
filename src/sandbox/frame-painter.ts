import { createHash } from 'node:crypto';
import { fillRect, rgba } from './rgba.js';
import type { VideoSpec } from './video-spec.js';

/**
 * Paints the frames of a sandbox video: a vertical gradient, a row of tiles, a bouncing block and a
 * sweeping bar, with colours, tile pattern and motion all taken from a hash of prompt and seed, so
 * different tasks visibly differ. Whole rows are filled (rgba.ts), never pixel by pixel.
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

  /** The colour of the sweeping bar, which the still painter also draws. */
  get accent(): number {
    const hash = this.hash;
    return rgba(hash[6]!, hash[7]!, hash[8]!);
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
    fillRect(
      this.pixels,
      this.spec,
      { x, y, width: block, height: block },
      rgba(255 - hash[0]!, 255 - hash[1]!, 255 - hash[2]!),
    );
    this.drawBar(this.pixels, index);
    return this.bytes;
  }

  /** The sweeping bar of frame `index`, drawn onto any picture of the video's size. */
  drawBar(pixels: Uint32Array, index: number): void {
    const { width: w, height: h, fps } = this.spec;
    const hash = this.hash;
    const t = index / fps;
    const bar = Math.max(2, Math.floor(w / 40));
    const barX = w - Math.floor((t * (0.3 + hash[12]! / 512) * w + hash[13]! * 3) % (w + bar));
    fillRect(pixels, this.spec, { x: barX, y: 0, width: bar, height: h }, this.accent);
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
      const rect = { x: i * tile, y: Math.floor(h / 12), width: tile, height: Math.max(2, Math.floor(h / 16)) };
      fillRect(this.pixels, this.spec, rect, bit ? on : off);
    }
    return this.pixels.slice();
  }
}
