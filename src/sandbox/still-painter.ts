import { FramePainter } from './frame-painter.js';
import { fillRect } from './rgba.js';
import type { VideoSpec } from './video-spec.js';

/** Input pictures already scaled to the video's size (scale-image.ts), as opaque RGBA words. */
export interface StillPictures {
  /** Frame 0 is exactly this picture. */
  first?: Uint32Array;
  /** The last frame is exactly this picture. */
  last?: Uint32Array;
  /** Shown one after another, each for an equal share of the video (reference images); frame 0 is the first. */
  slides?: Uint32Array[];
}

/**
 * Paints a video made from input pictures, so a test can see its image in the result:
 * - with a last picture (first-and-last frame, or wan2.7's first clip + last frame), a wipe from left
 *   to right, from the first picture (or, without one, the procedural frames) to the last, with a
 *   divider at the edge: frame 0 is the first picture, the last frame the last picture, exactly;
 * - otherwise a slideshow of the pictures (one picture for image-to-video) under the procedural
 *   painter's sweeping bar, each picture's first frame left bare.
 * A wipe costs two row copies a row per frame, never a per-pixel blend, so these videos are no dearer
 * to paint than the procedural ones.
 */
export class StillPainter {
  private readonly bytes: Uint8Array;
  private readonly pixels: Uint32Array;
  private readonly procedural: FramePainter;

  constructor(
    private readonly spec: Pick<VideoSpec, 'width' | 'height' | 'fps' | 'prompt' | 'seed'>,
    private readonly pictures: StillPictures,
    /** How many frames the video has, so the last one can be the last picture. */
    private readonly frames: number,
  ) {
    this.bytes = new Uint8Array(spec.width * spec.height * 4);
    this.pixels = new Uint32Array(this.bytes.buffer);
    this.procedural = new FramePainter(spec);
  }

  /** The RGBA bytes of frame `index`; the buffer is reused by the next call. */
  paint(index: number): Uint8Array {
    const { first, last, slides } = this.pictures;
    if (last) this.wipe(index, first, last);
    else this.slide(index, slides ?? (first ? [first] : []));
    return this.bytes;
  }

  private wipe(index: number, first: Uint32Array | undefined, last: Uint32Array): void {
    const { width: w, height: h } = this.spec;
    const from = first ?? this.proceduralFrame(index);
    // 0 at frame 0, the full width at the last frame.
    const edge = this.frames > 1 ? Math.round((w * index) / (this.frames - 1)) : w;
    for (let row = 0; row < h; row++) {
      const start = row * w;
      this.pixels.set(last.subarray(start, start + edge), start);
      this.pixels.set(from.subarray(start + edge, start + w), start + edge);
    }
    if (edge > 0 && edge < w) {
      const divider = Math.max(2, Math.floor(w / 80));
      const rect = { x: edge - (divider >> 1), y: 0, width: divider, height: h };
      fillRect(this.pixels, this.spec, rect, this.procedural.accent);
    }
  }

  private slide(index: number, slides: Uint32Array[]): void {
    if (slides.length === 0) {
      this.pixels.set(this.proceduralFrame(index));
      return;
    }
    const count = slides.length;
    const current = Math.min(count - 1, Math.floor((index * count) / this.frames));
    this.pixels.set(slides[current]!);
    // The slide's first frame stays bare, so frame 0 is exactly the first picture.
    if (index !== Math.ceil((current * this.frames) / count)) this.procedural.drawBar(this.pixels, index);
  }

  private proceduralFrame(index: number): Uint32Array {
    const bytes = this.procedural.paint(index);
    return new Uint32Array(bytes.buffer, bytes.byteOffset, this.spec.width * this.spec.height);
  }
}
