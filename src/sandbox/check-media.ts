import type { ImageLimits, VideoLimits } from '../api/catalogue.js';
import type { MediaInfo } from '../api/media-file.js';
import {
  badAspect,
  badDuration,
  badResolution,
  CANNOT_OPEN_VIDEO,
  type MediaError,
  NOT_AN_IMAGE,
  notAVideo,
  tooLarge,
} from './media-errors.js';

/**
 * What the service checks in an input file, against the model's limits in the catalogue, with the
 * file's headers as `inspectMedia` reads them (the client reads the same ones before sending). The
 * first problem found is the task's failure (media-errors.ts says which code each gets).
 */

/** An image input: first or last frame, reference image. `declaredMime`: the type its data: URL named. */
export function checkImage(
  info: MediaInfo | undefined,
  limits: ImageLimits,
  declaredMime?: string,
): MediaError | undefined {
  if (info?.kind !== 'image') return NOT_AN_IMAGE;
  if (declaredMime !== undefined && declaredMime !== info.mime) return NOT_AN_IMAGE;
  if (info.bytes > limits.maxBytes) return tooLarge('image', limits.maxBytes);
  if (info.width === undefined || info.height === undefined) return NOT_AN_IMAGE;
  return (
    checkSides('image', info.width, info.height, limits.minSide, limits.maxSide, limits.maxAspect) ??
    (info.alpha ? NOT_AN_IMAGE : undefined)
  );
}

/** A video input: wan2.7's first clip, a reference clip. */
export function checkVideo(
  info: MediaInfo | undefined,
  limits: VideoLimits,
  what: 'a video' | 'an image or a video' = 'a video',
): MediaError | undefined {
  if (info?.kind !== 'video') return notAVideo(what);
  if (info.bytes > limits.maxBytes) return tooLarge('video', limits.maxBytes);
  if (info.seconds === undefined) return CANNOT_OPEN_VIDEO;
  if (info.seconds < limits.minSeconds || info.seconds > limits.maxSeconds)
    return badDuration(limits.minSeconds, limits.maxSeconds);
  // No track with a picture size: nothing to continue or to take a character from.
  if (info.width === undefined || info.height === undefined) return CANNOT_OPEN_VIDEO;
  return checkSides('video', info.width, info.height, limits.minSide, limits.maxSide, limits.maxAspect);
}

function checkSides(
  kind: 'image' | 'video',
  width: number,
  height: number,
  minSide = 0,
  maxSide = Number.POSITIVE_INFINITY,
  maxAspect?: number,
): MediaError | undefined {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  // "[240, 8000] px": both ends allowed.
  if (short < minSide || long > maxSide) return badResolution(kind, minSide, maxSide);
  if (maxAspect !== undefined && long / short > maxAspect) return badAspect(kind, maxAspect);
  return undefined;
}
