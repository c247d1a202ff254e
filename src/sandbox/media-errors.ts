/**
 * How a task fails for a bad input image or video. The codes and message templates are those of the
 * service's error-code page (research modes.md §11, [R16]; dashscope-api.md §5); which ones the Wan
 * video models emit for which problem is UNCONFIRMED, so each choice below names what it follows.
 * Messages the page only abbreviates are completed in its own style and say so.
 */

export interface MediaError {
  code: string;
  message: string;
}

const MB = 1024 * 1024;

/** §7, §11: any input the service cannot fetch, as for an unreachable URL. */
export const DOWNLOAD_FAILED: MediaError = {
  code: 'InvalidParameter.DataInspection',
  message: 'Unable to download the media resource during the data inspection process.',
};

/**
 * Not an image where one is needed, a data: URL whose bytes are not the type it declares (§7: "the
 * MIME must match the format"), or a PNG with an alpha channel (every page: "PNG (no alpha channel)";
 * the service's reaction is UNCONFIRMED, an unsupported image type is the closest documented code).
 */
export const NOT_AN_IMAGE: MediaError = {
  code: 'InvalidImage.FileFormat',
  message: 'Invalid image type. Please ensure the uploaded file is a valid image.',
};

/** A first clip or reference that is no MP4/MOV video (InvalidFile.Format; message completed). */
export function notAVideo(what: 'a video' | 'an image or a video'): MediaError {
  const allowed = what === 'a video' ? 'MP4 or MOV' : 'JPEG, PNG, BMP, WEBP, MP4 or MOV';
  return { code: 'InvalidFile.Format', message: `Invalid file format. The file must be ${allowed}.` };
}

/** A video whose length cannot be read (InvalidFile.Openerror, documented text). */
export const CANNOT_OPEN_VIDEO: MediaError = {
  code: 'InvalidFile.Openerror',
  message: 'Invalid file, cannot open file as video.',
};

export function tooLarge(kind: 'image' | 'video', maxBytes: number): MediaError {
  return {
    code: 'InvalidFile.Size',
    message: `Invalid file size. The ${kind} file size must be less than ${Math.round(maxBytes / MB)}MB.`,
  };
}

export function badResolution(kind: 'image' | 'video', minSide: number, maxSide: number): MediaError {
  return {
    code: 'InvalidFile.Resolution',
    message:
      `The ${kind} resolution is invalid, please make sure that the largest length of ${kind} is smaller than ` +
      `${maxSide}, and the smallest length of ${kind} is larger than ${minSide}.`,
  };
}

/** The page gives only "… aspect ratio …" for InvalidFile.AspectRatio: completed here. */
export function badAspect(kind: 'image' | 'video', maxAspect: number): MediaError {
  return {
    code: 'InvalidFile.AspectRatio',
    message: `Invalid file aspect ratio. The aspect ratio of the ${kind} must be between 1:${maxAspect} and ${maxAspect}:1.`,
  };
}

export function badDuration(minSeconds: number, maxSeconds: number): MediaError {
  return {
    code: 'InvalidFile.Duration',
    message: `Invalid file duration. The file duration must be ${minSeconds} s ~ ${maxSeconds} s.`,
  };
}

/** r2v: more reference videos (or images) than the model takes, known once the files are read. UNCONFIRMED text. */
export function tooManyReferences(kind: 'videos' | 'images', max: number): MediaError {
  return { code: 'InvalidParameter', message: `Too many reference ${kind}: at most ${max} are allowed.` };
}

/**
 * wan2.7: with a first clip, `duration` is the whole video's length (modes.md §5.1), so it must be
 * longer than the clip. What the service does otherwise is UNCONFIRMED; failing is the plausible reading.
 */
export const CLIP_NOT_SHORTER: MediaError = {
  code: 'InvalidParameter',
  message: 'The duration must be longer than the first clip, which it includes.',
};
