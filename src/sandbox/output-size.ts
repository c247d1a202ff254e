import { parseSize, SIZE_TABLE, type Tier } from '../api/sizes.js';

/**
 * The size of a video whose aspect follows its input (first-frame, first-and-last-frame and wan2.7
 * image-to-video: research modes.md §2.3, §8): the input's aspect ratio at about the tier's pixel
 * count (that of its 16:9 size: 832×480, 1280×720, 1920×1080), both sides multiples of 16.
 *
 * The service's exact rounding is UNCONFIRMED. Rounding each ideal side DOWN to a multiple of 16
 * reproduces the one documented example (750×1000 at 720P gives 816×1104, where rounding to the
 * nearest would give 832×1104), so that is what is done here.
 */
export function outputSize(inputWidth: number, inputHeight: number, tier: Tier): { width: number; height: number } {
  const reference = parseSize(SIZE_TABLE[tier]['16:9']!)!;
  const pixels = reference.width * reference.height;
  const aspect = inputWidth / inputHeight;
  // The epsilon keeps an exact multiple (1280.0000000001 or 1279.9999999999) from dropping by 16.
  const side = (ideal: number) => Math.max(16, Math.floor(ideal / 16 + 1e-9) * 16);
  return { width: side(Math.sqrt(pixels * aspect)), height: side(Math.sqrt(pixels / aspect)) };
}
