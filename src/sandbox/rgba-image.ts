/** A decoded picture: `data` is RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Thrown for a file the sandbox's decoders cannot read (the still painter then paints a flat colour). */
export class UndecodableImage extends Error {
  override name = 'UndecodableImage' as const;
}
