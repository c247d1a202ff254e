import { findModel, type Mode, type ModelInfo, modelIdsWhere } from './catalogue.js';
import type { CreateTaskOptions } from './create-request.js';
import { InputError } from './errors/input-error.js';
import type { MediaInfo } from './media-file.js';
import type { CreateRequestBody } from './schemas.js';
import { normalizeSize, tierOfSize } from './sizes.js';

/** What was read from a local file, by the URL (or stand-in URL) it is sent as. */
export type KnownMedia = ReadonlyMap<string, MediaInfo & { name: string }>;

/** The option that carries each input: InputError's `field`, which the CLI shows as its flag. */
type MediaField = 'image' | 'lastFrame' | 'clip' | 'references' | 'audioUrl';

/**
 * The mode the inputs ask for: references → r2v; a first and a last frame → kf2v; a first frame,
 * or a clip to continue → i2v; none → t2v. Inputs that make no request together are refused.
 */
export function modeOf(options: {
  mode?: Mode;
  image?: unknown;
  lastFrame?: unknown;
  clip?: unknown;
  references?: readonly unknown[];
}): Mode {
  const { image, lastFrame, clip } = options;
  const references = options.references ?? [];
  let mode: Mode = 't2v';
  if (references.length > 0) {
    const other = image !== undefined ? 'image' : lastFrame !== undefined ? 'lastFrame' : clip ? 'clip' : undefined;
    if (other) throw new InputError(other, 'reference-to-video takes references only, no frames or clip');
    mode = 'r2v';
  } else if (options.references !== undefined) {
    throw new InputError('references', 'no references given');
  } else if (image !== undefined && clip !== undefined) {
    throw new InputError('clip', 'give a first frame or a clip to continue, not both');
  } else if (image !== undefined) {
    mode = lastFrame !== undefined ? 'kf2v' : 'i2v';
  } else if (clip !== undefined) {
    mode = 'i2v';
  } else if (lastFrame !== undefined) {
    throw new InputError(
      'lastFrame',
      'a last frame needs a first frame (--first-frame), or a clip (--clip, wan2.7-i2v)',
    );
  }
  if (options.mode !== undefined && options.mode !== mode) {
    throw new InputError('mode', `mode ${options.mode} does not match the inputs given, which make ${mode}`);
  }
  return mode;
}

/**
 * Defaults (the config's, a batch command's flags) made to fit a request's mode: a model that does
 * not make the mode gives way to the mode's default, and for an image mode a size or ratio gives
 * way to the size's resolution tier, as the video keeps the image's aspect. What a user gave for
 * this very request is not a default and is checked as given.
 */
export function fitDefaults<T extends Pick<CreateTaskOptions, 'model' | 'size' | 'resolution' | 'ratio'>>(
  defaults: T,
  mode: Mode,
): T {
  const fitted = { ...defaults };
  if (fitted.model !== undefined && !findModel(fitted.model)?.modes.includes(mode)) delete fitted.model;
  if (mode === 'i2v' || mode === 'kf2v') {
    if (fitted.size !== undefined) fitted.resolution ??= tierOfSize(normalizeSize(fitted.size));
    delete fitted.size;
    delete fitted.ratio;
  }
  return fitted;
}

/** The model's media fields of `input`, every URL checked, local files against the model's limits. */
export function inputBody(
  model: ModelInfo,
  options: CreateTaskOptions,
  known: KnownMedia,
): Partial<CreateRequestBody['input']> {
  const url = (field: MediaField, value: string) => checkUrl(model, field, value, known);
  if (options.clip !== undefined && model.shape !== 'media') {
    throw new InputError(
      'clip',
      `${model.id} does not continue clips; ${modelIdsWhere((m) => m.clip !== undefined)} do`,
    );
  }
  const audio = options.audioUrl !== undefined ? url('audioUrl', options.audioUrl) : undefined;
  switch (model.shape) {
    case 'text':
      return audio ? { audio_url: audio } : {};
    case 'image':
      return { img_url: url('image', options.image!), ...(audio ? { audio_url: audio } : {}) };
    case 'frames':
      return { first_frame_url: url('image', options.image!), last_frame_url: url('lastFrame', options.lastFrame!) };
    case 'references':
      return { reference_urls: referenceUrls(model, options.references!, known) };
    case 'media':
      return { media: mediaList(model, options, known, audio) };
  }
}

/**
 * wan2.7's list: a first frame or a first clip, then an optional last frame, and driving audio
 * (not with a clip): the only combinations its reference allows.
 */
function mediaList(
  model: ModelInfo,
  options: CreateTaskOptions,
  known: KnownMedia,
  audio: string | undefined,
): NonNullable<CreateRequestBody['input']['media']> {
  const media: NonNullable<CreateRequestBody['input']['media']> = [];
  if (options.image !== undefined)
    media.push({ type: 'first_frame', url: checkUrl(model, 'image', options.image, known) });
  if (options.clip !== undefined) media.push({ type: 'first_clip', url: checkUrl(model, 'clip', options.clip, known) });
  if (options.lastFrame !== undefined)
    media.push({ type: 'last_frame', url: checkUrl(model, 'lastFrame', options.lastFrame, known) });
  if (audio !== undefined) {
    if (options.clip !== undefined)
      throw new InputError('audioUrl', `${model.id} takes no driving audio with a clip to continue`);
    media.push({ type: 'driving_audio', url: audio });
  }
  return media;
}

function referenceUrls(model: ModelInfo, references: readonly string[], known: KnownMedia): string[] {
  const limits = model.references!;
  if (references.length > limits.total) {
    throw new InputError(
      'references',
      `${model.id} takes at most ${limits.total} references (images and clips); got ${references.length}`,
    );
  }
  const urls = references.map((r) => checkUrl(model, 'references', r, known));
  const kinds = references.map((r) => known.get(r)?.kind ?? kindByName(r));
  const images = kinds.filter((k) => k === 'image').length;
  const videos = kinds.filter((k) => k === 'video').length;
  if (images > limits.images)
    throw new InputError('references', `${model.id} takes at most ${limits.images} reference images; got ${images}`);
  if (videos > limits.videos)
    throw new InputError('references', `${model.id} takes at most ${limits.videos} reference clips; got ${videos}`);
  return urls;
}

/**
 * Seconds of reference clips billed with the video (r2v): at most `billedInputSeconds` in all,
 * shared evenly, each clip billed for the shorter of its length and its share. A clip of unknown
 * length (a URL) counts its whole share, so the estimate is an upper bound.
 */
export function billedInputSeconds(model: ModelInfo, options: CreateTaskOptions, known: KnownMedia): number {
  const references = options.references ?? [];
  if (!model.billedInputSeconds || references.length === 0) return 0;
  const share = model.billedInputSeconds / references.length;
  let total = 0;
  for (const reference of references) {
    const info = known.get(reference);
    const kind = info?.kind ?? kindByName(reference);
    if (kind === 'image') continue;
    total += Math.min(info?.seconds ?? share, share);
  }
  return Math.round(total * 100) / 100;
}

/** A URL's kind by its file name: images by their extension, anything else might be a clip. */
function kindByName(url: string): 'image' | 'video' | undefined {
  const path = url.split(/[?#]/, 1)[0]!;
  if (/\.(png|jpe?g|bmp|webp)$/i.test(path)) return 'image';
  if (/\.(mp4|mov)$/i.test(path)) return 'video';
  return undefined;
}

const IMAGE_FORMATS = 'JPEG, PNG (without alpha), BMP or WebP';

function checkUrl(model: ModelInfo, field: MediaField, url: string, known: KnownMedia): string {
  const info = known.get(url);
  if (info) {
    checkKnown(model, field, info);
    return url;
  }
  const takesData = (field === 'image' || field === 'lastFrame') && model.images?.dataUrl === true;
  if (/^(https?|oss):\/\/\S+$/i.test(url)) return url;
  if (takesData && /^data:image\/(png|jpeg|bmp|webp);base64,/i.test(url)) return url;
  const forms = `http://, https://${takesData ? ', oss:// or a data:image/…;base64 URL' : ' or oss://'}`;
  throw new InputError(field, `the URL must start with ${forms}; got "${url.slice(0, 60)}"`);
}

/** A local file against the model's limits for what it is (an image, a clip, a sound): `wan upload`. */
export function checkInputFile(model: ModelInfo, info: MediaInfo & { name: string }): void {
  const field: MediaField =
    info.kind === 'audio' ? 'audioUrl' : info.kind === 'image' ? 'image' : model.clip ? 'clip' : 'references';
  if (info.kind === 'audio' && !model.audioUrl)
    throw new InputError(field, `${model.id} takes no audio file; models that do: ${modelIdsWhere((m) => m.audioUrl)}`);
  checkKnown(model, field, info);
}

/** A local file against the model's limits for its role. */
function checkKnown(model: ModelInfo, field: MediaField, info: MediaInfo & { name: string }): void {
  const { name } = info;
  if (field === 'audioUrl') return checkAudioFile(model, info);
  const wantsImage = field === 'image' || field === 'lastFrame' || (field === 'references' && info.kind === 'image');
  if (wantsImage) {
    if (info.kind !== 'image')
      throw new InputError(
        field,
        `${name} is not an image (by its content: ${info.format}); allowed: ${IMAGE_FORMATS}`,
      );
    return checkImage(model, field, info);
  }
  if (info.kind !== 'video') {
    const allowed = field === 'references' ? `images (${IMAGE_FORMATS}) or MP4/MOV clips` : 'MP4 or MOV';
    throw new InputError(field, `${name} is neither (by its content: ${info.format}); allowed: ${allowed}`);
  }
  const limits = field === 'clip' ? model.clip : model.videos;
  if (!limits) throw new InputError(field, `${model.id} takes no clips`);
  if (info.bytes > limits.maxBytes)
    throw new InputError(
      field,
      `${name} is ${megabytes(info.bytes)}; ${model.id} takes clips up to ${megabytes(limits.maxBytes)}`,
    );
  if (info.seconds === undefined)
    throw new InputError(field, `cannot read how long ${name} is (no movie header); is it a whole MP4/MOV file?`);
  if (info.seconds < limits.minSeconds || info.seconds > limits.maxSeconds) {
    throw new InputError(
      field,
      `${name} lasts ${info.seconds.toFixed(1)} s; ${model.id} takes clips of ${limits.minSeconds}–${limits.maxSeconds} s`,
    );
  }
  checkSides(model, field, info, limits.minSide, limits.maxSide, limits.maxAspect, 'clips');
}

function checkImage(model: ModelInfo, field: MediaField, info: MediaInfo & { name: string }): void {
  const limits = model.images;
  if (!limits) throw new InputError(field, `${model.id} takes no images`);
  const { name } = info;
  if (info.bytes > limits.maxBytes)
    throw new InputError(
      field,
      `${name} is ${megabytes(info.bytes)}; ${model.id} takes images up to ${megabytes(limits.maxBytes)}`,
    );
  if (info.width === undefined || info.height === undefined)
    throw new InputError(field, `cannot read the size of ${name} from its header; is it a whole ${info.format} file?`);
  checkSides(model, field, info, limits.minSide, limits.maxSide, limits.maxAspect, 'images');
  // Every reference page: "PNG (alpha channel not supported)"; what the service does with one is
  // unconfirmed, so it is refused here rather than paid for and guessed at.
  if (info.alpha) {
    throw new InputError(
      field,
      `${name} has transparency (an alpha channel), which the service does not take; flatten it first, e.g. magick ${name} -background white -alpha remove -alpha off flat.png`,
    );
  }
}

function checkSides(
  model: ModelInfo,
  field: MediaField,
  info: MediaInfo & { name: string },
  minSide: number | undefined,
  maxSide: number | undefined,
  maxAspect: number | undefined,
  what: string,
): void {
  const { width, height, name } = info;
  if (width === undefined || height === undefined) return;
  const small = Math.min(width, height);
  const large = Math.max(width, height);
  if ((minSide !== undefined && small < minSide) || (maxSide !== undefined && large > maxSide)) {
    throw new InputError(
      field,
      `${name} is ${width}×${height} px; ${model.id} takes ${what} with sides of ${minSide ?? 1}–${maxSide ?? '∞'} px`,
    );
  }
  if (maxAspect !== undefined && large / small > maxAspect) {
    throw new InputError(
      field,
      `${name} is ${width}×${height} px; ${model.id} takes aspects from 1:${maxAspect} to ${maxAspect}:1`,
    );
  }
}

/** wav/mp3, at most 15 MB, within the model's length limits (dashscope-api.md §3.1/§3.3). */
const AUDIO_MAX_BYTES = 15 * 1024 * 1024;

function checkAudioFile(model: ModelInfo, info: MediaInfo & { name: string }): void {
  const { name } = info;
  if (info.kind !== 'audio')
    throw new InputError(
      'audioUrl',
      `${name} is neither WAV nor MP3 (by its content); the service takes .wav and .mp3`,
    );
  if (info.bytes > AUDIO_MAX_BYTES)
    throw new InputError('audioUrl', `${name} is ${megabytes(info.bytes)}; the service takes at most 15 MB`);
  const [min, max] = model.audioSeconds;
  if (info.seconds !== undefined && (info.seconds < min || info.seconds > max))
    throw new InputError('audioUrl', `${name} lasts ${info.seconds.toFixed(1)} s; ${model.id} takes ${min}–${max} s`);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
