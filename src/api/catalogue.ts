import { IMAGE_MODELS } from './models-image.js';
import { REFERENCE_MODELS } from './models-reference.js';
import { TEXT_MODELS } from './models-text.js';
import { REGIONS, type Region } from './regions.js';
import { type Ratio, SIZE_TABLE, type Tier } from './sizes.js';

/**
 * What Wan makes a video from: a prompt alone (t2v), a first frame (i2v), a first and a last frame
 * (kf2v), or reference images and clips of the characters (r2v).
 */
export const MODES = ['t2v', 'i2v', 'kf2v', 'r2v'] as const;
export type Mode = (typeof MODES)[number];

export const MODE_NAMES: Record<Mode, string> = {
  t2v: 'text-to-video',
  i2v: 'image-to-video (first frame)',
  kf2v: 'first-and-last-frame',
  r2v: 'reference-to-video',
};

/**
 * Where a model takes its inputs in the request body:
 * - `text`: `input.prompt` only (+ `audio_url`);
 * - `image`: `input.img_url` (+ `audio_url`);
 * - `frames`: `input.first_frame_url` and `input.last_frame_url`;
 * - `references`: `input.reference_urls[]`, images and videos;
 * - `media`: wan2.7's `input.media[]` of `{type, url}` (first_frame, last_frame, driving_audio, first_clip).
 */
export type InputShape = 'text' | 'image' | 'frames' | 'references' | 'media';

/** Limits on an input image (JPEG, PNG without alpha, BMP, WebP). */
export interface ImageLimits {
  maxBytes: number;
  /** Each side, in pixels. */
  minSide: number;
  maxSide: number;
  /** The longer side over the shorter one, where the model states a limit (1:8–8:1). */
  maxAspect?: number;
  /** The field also takes a `data:` URL (base64), so a small local image need not be uploaded. */
  dataUrl: boolean;
}

/** Limits on an input video (MP4 or MOV). */
export interface VideoLimits {
  maxBytes: number;
  minSeconds: number;
  maxSeconds: number;
  maxSide?: number;
  minSide?: number;
  maxAspect?: number;
}

/**
 * What one Wan video model accepts. This table is the single source for validation, `wan models`,
 * cost estimates and rate limits; the sources are named beside each model (dashscope-api.md, and
 * the API references cited in the model files).
 */
export interface ModelInfo {
  /** Canonical id (the Beijing one). */
  id: string;
  /** The id to send in each region that offers the model; Beijing's wan2.1 ids carry an `x`, Singapore's do not. */
  ids: Partial<Record<Region, string>>;
  modes: Mode[];
  shape: InputShape;
  /**
   * The task path's service segment: `image2video` for the first-and-last-frame models (both
   * official SDKs switch to it when the model name contains `kf2v`), else `video-generation`.
   */
  service: 'video-generation' | 'image2video';
  /**
   * `size`: `parameters.size` = `W*H` from the size table. `resolution`: `parameters.resolution`,
   * plus `ratio` where `ratios` is not empty; without ratios the aspect follows the input image.
   */
  protocol: 'size' | 'resolution';
  tiers: Tier[];
  /** Allowed `size` values (size protocol), in table order. */
  sizes: string[];
  defaultSize?: string;
  /** Allowed `ratio` values (resolution protocol; empty when the input sets the aspect). */
  ratios: Ratio[];
  defaultResolution?: Tier;
  defaultRatio?: Ratio;
  durations: number[];
  /** Where a region allows other durations than `durations`. */
  regionDurations?: Partial<Record<Region, number[]>>;
  defaultDuration: number;
  fps: number;
  /** The video has a sound track (auto-dubbed unless an audio file is given). */
  sound: boolean;
  /** Accepts `parameters.audio` (`false`: a silent video, at the silent price). */
  audioSwitch: boolean;
  /** Accepts an audio file to sync to (`input.audio_url`, or wan2.7's `driving_audio`). */
  audioUrl: boolean;
  /** The audio file's length limits, in seconds. */
  audioSeconds: [number, number];
  /** Accepts `parameters.shot_type` (`single`/`multi`). */
  shotType: boolean;
  /** The prompt is required (t2v, r2v); else it is optional (the image says what to show). */
  promptRequired: boolean;
  /** Longer prompts are truncated by the service, not rejected. */
  promptMax: number;
  negativePromptMax: number;
  /** Input images: first frame, last frame, reference images. */
  images?: ImageLimits;
  /** Reference clips (r2v). */
  videos?: VideoLimits;
  /** How many references: images, videos and both together (r2v). */
  references?: { images: number; videos: number; total: number };
  /** A first clip to continue (wan2.7-i2v's `first_clip`). */
  clip?: VideoLimits;
  /** Price per generated second, in the region's currency (`priceCurrency`), by region and tier. */
  prices: Partial<Record<Region, Partial<Record<Tier, number>>>>;
  /** The price of a silent video (`--no-audio`), where the price list gives one; else `prices` applies. */
  silentPrices?: Partial<Record<Region, Partial<Record<Tier, number>>>>;
  /**
   * Reference clips are billed too, at the same price: at most this many seconds in all, shared
   * evenly among the references (r2v).
   */
  billedInputSeconds?: number;
  /** Per account: task submissions per second and tasks processed at once. */
  rateLimit: { submitPerSecond: number; concurrent: number };
  notes: string[];
}

/**
 * When the prices were read (dashscope-api.md §6.4, [S9], [S10], and the model price page of the
 * image and reference models). Beijing bills in CNY; Singapore and Virginia in USD.
 */
export const PRICE_DATE = '2026-10-01';

export function priceCurrency(region: Region): string {
  return REGIONS[region].currency;
}

export const MODELS: readonly ModelInfo[] = [...TEXT_MODELS, ...IMAGE_MODELS, ...REFERENCE_MODELS];

/** @default 'wan2.5-t2v-preview': the model the mission names, with sound and every tier. */
export const DEFAULT_MODEL = 'wan2.5-t2v-preview';

/**
 * The model a mode uses when none is chosen, where the region offers it; else the first model of
 * the table that does that mode there. The same reasons as the t2v default: sound and every tier
 * for i2v; the cheapest first-and-last-frame model with every tier; the flash reference model,
 * which can be made silent.
 */
export const DEFAULT_MODELS: Record<Mode, string> = {
  t2v: DEFAULT_MODEL,
  i2v: 'wan2.5-i2v-preview',
  kf2v: 'wan2.2-kf2v-flash',
  r2v: 'wan2.6-r2v-flash',
};

export function defaultModelFor(mode: Mode, region: Region): ModelInfo | undefined {
  const preferred = findModel(DEFAULT_MODELS[mode]);
  if (preferred?.ids[region]) return preferred;
  return MODELS.find((m) => m.modes.includes(mode) && m.ids[region]);
}

/** Finds a model by any of its regional ids, or a dated snapshot of one (`wan2.7-i2v-2026-04-25`). */
export function findModel(id: string): ModelInfo | undefined {
  const base = snapshotBase(id) ?? id;
  return MODELS.find((m) => m.id === base || Object.values(m.ids).includes(base));
}

/** The model id a dated snapshot id pins (`wan2.7-i2v` for `wan2.7-i2v-2026-04-25`), if `id` is one. */
export function snapshotBase(id: string): string | undefined {
  return /^(.+)-\d{4}-\d{2}-\d{2}$/.exec(id)?.[1];
}

export function modelIdIn(model: ModelInfo, region: Region): string | undefined {
  return model.ids[region];
}

/** All ids a user may type, for messages and completion. */
export function allModelIds(): string[] {
  return [...new Set(MODELS.flatMap((m) => [m.id, ...Object.values(m.ids)]))];
}

/** The ids of the models that pass `test`, for messages: `wan2.6-t2v, wan2.5-t2v-preview, …`. */
export function modelIdsWhere(test: (model: ModelInfo) => boolean): string {
  return MODELS.filter(test)
    .map((m) => m.id)
    .join(', ');
}

/** The durations a model takes in a region. */
export function durationsIn(model: ModelInfo, region: Region): number[] {
  return model.regionDurations?.[region] ?? model.durations;
}

/** The `W*H` a size-protocol model uses for a resolution and ratio, if it has one. */
export function sizeFor(model: ModelInfo, resolution: Tier, ratio: Ratio): string | undefined {
  const size = SIZE_TABLE[resolution][ratio];
  return size && model.sizes.includes(size) ? size : undefined;
}

/** `5 or 10`, `2–15`. */
export function describeDurations(model: ModelInfo, region?: Region): string {
  const d = region ? durationsIn(model, region) : model.durations;
  const contiguous = d.length > 2 && d.every((v, i) => i === 0 || v === d[i - 1]! + 1);
  return contiguous ? `${d[0]}–${d[d.length - 1]}` : d.join(' or ');
}
