import { createHash } from 'node:crypto';
import { decodeImage } from './decode-image.js';
import { rgba } from './rgba.js';
import { coverScale } from './scale-image.js';
import type { StillPictures } from './still-painter.js';
import type { VideoInputs, VideoSpec, VideoStills } from './video-spec.js';

/**
 * Decodes and scales the pictures a spec's stills name. A file that cannot be decoded (a BMP with RLE
 * compression, a corrupt body behind a valid header: the create-time checks read headers only, as
 * the client does) becomes a flat colour taken from its hash, so the task still gets a video.
 */
export async function loadPictures(
  spec: Pick<VideoSpec, 'width' | 'height'> & { stills: VideoStills },
  inputs: VideoInputs,
): Promise<StillPictures> {
  const { width, height, stills } = spec;
  const picture = async (hash: string): Promise<Uint32Array> => {
    const bytes = inputs[hash];
    if (!bytes) throw new Error(`the input file ${hash} was not passed to the encoder`);
    try {
      return coverScale(await decodeImage(bytes), width, height);
    } catch {
      return new Uint32Array(width * height).fill(flatColour(hash));
    }
  };
  return {
    ...(stills.first ? { first: await picture(stills.first) } : {}),
    ...(stills.last ? { last: await picture(stills.last) } : {}),
    ...(stills.slides ? { slides: await Promise.all(stills.slides.map(picture)) } : {}),
  };
}

function flatColour(hash: string): number {
  const h = createHash('sha256').update(hash).digest();
  return rgba(h[0]!, h[1]!, h[2]!);
}
