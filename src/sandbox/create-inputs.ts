import type { ModelInfo } from '../api/catalogue.js';

/**
 * The media inputs of a create body, by the model's input shape (catalogue `shape`; research
 * modes.md §2–§5). Only the request's form is checked here, so every problem is a 400 at create:
 * a required field missing or of the wrong type, an empty or too long reference list, a wan2.7 media
 * item twice or in a combination the model does not take. The files themselves are read later.
 */

/** What an input is for: it decides its limits (catalogue) and how it is painted. */
export type InputRole = 'first' | 'last' | 'clip' | 'reference';

export interface MediaInput {
  role: InputRole;
  /** The request field, for messages: `img_url`, `media[1].url`, `reference_urls[0]`. */
  field: string;
  url: string;
  /** The deprecated `reference_video_urls` takes videos only. */
  videoOnly?: boolean;
}

export interface BodyInputs {
  inputs: MediaInput[];
  /** wan2.7's `driving_audio`, checked like `audio_url`. */
  drivingAudio?: string;
}

export interface InputProblem {
  code: string;
  message: string;
}

const invalid = (name: string): InputProblem => ({
  code: 'InvalidParameter',
  message: `Required parameter(${name}) missing or invalid, please check the request parameters.`,
});

const present = (v: unknown) => v !== undefined && v !== null;
const url = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export function inputsOf(info: ModelInfo, input: Record<string, unknown>): BodyInputs | InputProblem {
  switch (info.shape) {
    case 'text':
      return { inputs: [] };
    case 'image': {
      const img = url(input.img_url);
      return img ? { inputs: [{ role: 'first', field: 'img_url', url: img }] } : invalid('img_url');
    }
    case 'frames':
      return framesOf(input);
    case 'references':
      return referencesOf(info, input);
    case 'media':
      return mediaOf(input);
  }
}

/**
 * kf2v (§3.1): both frames; the last may be left out only with an effect `template`, which needs the
 * first frame alone. Without either, what the service does is UNCONFIRMED: refused as a missing
 * parameter here, since there is nothing to end on.
 */
function framesOf(input: Record<string, unknown>): BodyInputs | InputProblem {
  const first = url(input.first_frame_url);
  if (!first) return invalid('first_frame_url');
  const last = url(input.last_frame_url);
  const template = typeof input.template === 'string' && input.template.trim() !== '';
  if (!last && (present(input.last_frame_url) || !template)) return invalid('last_frame_url');
  const inputs: MediaInput[] = [{ role: 'first', field: 'first_frame_url', url: first }];
  if (last) inputs.push({ role: 'last', field: 'last_frame_url', url: last });
  return { inputs };
}

/**
 * r2v (§4.1): `reference_urls`, 1 to `references.total` URLs (images and videos; how many of each is
 * known once the files are read), or the deprecated `reference_video_urls`, videos only.
 */
function referencesOf(info: ModelInfo, input: Record<string, unknown>): BodyInputs | InputProblem {
  const limits = info.references!;
  const legacy = !present(input.reference_urls) && present(input.reference_video_urls);
  const field = legacy ? 'reference_video_urls' : 'reference_urls';
  const list = input[field];
  const max = legacy ? limits.videos : limits.total;
  if (!Array.isArray(list) || list.length === 0 || list.length > max) return invalid(field);
  const inputs: MediaInput[] = [];
  for (const [i, item] of list.entries()) {
    const ref = url(item);
    if (!ref) return invalid(field);
    inputs.push({ role: 'reference', field: `${field}[${i}]`, url: ref, ...(legacy ? { videoOnly: true } : {}) });
  }
  return { inputs };
}

const MEDIA_TYPES = ['first_frame', 'last_frame', 'driving_audio', 'first_clip'] as const;
type MediaType = (typeof MEDIA_TYPES)[number];

/** §5.1: "only these combinations; any other is an error" (as sets: the order is not significant). */
const COMBINATIONS: readonly (readonly MediaType[])[] = [
  ['first_frame'],
  ['first_frame', 'driving_audio'],
  ['first_frame', 'last_frame'],
  ['first_frame', 'last_frame', 'driving_audio'],
  ['first_clip'],
  ['first_clip', 'last_frame'],
];

const ROLES: Record<Exclude<MediaType, 'driving_audio'>, InputRole> = {
  first_frame: 'first',
  last_frame: 'last',
  first_clip: 'clip',
};

/**
 * wan2.7 (§5.1): `media`, a list of `{type, url}`, each type at most once, in a documented combination.
 * The code of the service's answer to another combination is UNCONFIRMED (and whether it comes at
 * create or as a failed task): a malformed request, 400 InvalidParameter, naming what was sent.
 */
function mediaOf(input: Record<string, unknown>): BodyInputs | InputProblem {
  const { media } = input;
  if (!Array.isArray(media) || media.length === 0) return invalid('media');
  const result: BodyInputs = { inputs: [] };
  const seen: MediaType[] = [];
  for (const [i, item] of media.entries()) {
    const type = (item as { type?: unknown } | null)?.type as MediaType;
    const itemUrl = url((item as { url?: unknown } | null)?.url);
    if (!MEDIA_TYPES.includes(type) || !itemUrl) return invalid(`media[${i}]`);
    if (seen.includes(type))
      return { code: 'InvalidParameter', message: `The media type ${type} may appear only once in media.` };
    seen.push(type);
    if (type === 'driving_audio') result.drivingAudio = itemUrl;
    else result.inputs.push({ role: ROLES[type], field: `media[${i}].url`, url: itemUrl });
  }
  const legal = COMBINATIONS.some((c) => c.length === seen.length && c.every((t) => seen.includes(t)));
  if (!legal) {
    const allowed = COMBINATIONS.map((c) => c.join('+')).join(', ');
    return {
      code: 'InvalidParameter',
      message: `The media combination ${[...seen].sort().join('+')} is not supported; use one of: ${allowed}.`,
    };
  }
  return result;
}
