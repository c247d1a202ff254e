import { REGIONS, type Region } from './regions.js';
import { RATIOS, type Ratio, SIZE_TABLE, sizesOfTier, type Tier } from './sizes.js';

/**
 * What one Wan text-to-video model accepts, from dashscope-api.md §3.3, §3.4, §6.1 and §6.4.
 * This table is the single source for validation, `wan models`, cost estimates and rate limits.
 */
export interface ModelInfo {
  /** Canonical id (the Beijing one). */
  id: string;
  /** The id to send in each region that offers the model; Beijing's wan2.1 ids carry an `x`, Singapore's do not. */
  ids: Partial<Record<Region, string>>;
  /** `size` (wan2.1–2.6: `parameters.size` = `W*H`) or `resolution` (wan2.7: `resolution` + `ratio`). */
  protocol: 'size' | 'resolution';
  tiers: Tier[];
  /** Allowed `size` values (size protocol), in table order. */
  sizes: string[];
  defaultSize?: string;
  /** Allowed `ratio` values (resolution protocol). */
  ratios: Ratio[];
  defaultResolution?: Tier;
  defaultRatio?: Ratio;
  durations: number[];
  defaultDuration: number;
  fps: number;
  /** The video has a sound track (auto-dubbed unless `audio_url` is given). */
  sound: boolean;
  /** Accepts `input.audio_url` (wav/mp3, 3–30 s, ≤ 15 MB). */
  audioUrl: boolean;
  /** Accepts `parameters.shot_type` (`single`/`multi`). */
  shotType: boolean;
  /** Longer prompts are truncated by the service, not rejected. */
  promptMax: number;
  negativePromptMax: number;
  /** Price per generated second, in the region's currency (`priceCurrency`), by region and tier. */
  prices: Partial<Record<Region, Partial<Record<Tier, number>>>>;
  /** The price of a silent video (`--no-audio`), where the price list gives one; else `prices` applies. */
  silentPrices?: Partial<Record<Region, Partial<Record<Tier, number>>>>;
  /** Per account: task submissions per second and tasks processed at once. */
  rateLimit: { submitPerSecond: number; concurrent: number };
  notes: string[];
}

/**
 * When the prices below were read (dashscope-api.md §6.4, [S9], [S10]). Beijing bills in CNY;
 * Singapore and Virginia in USD, whose figures are the reference's dollar values.
 */
export const PRICE_DATE = '2026-10-01';

export function priceCurrency(region: Region): string {
  return REGIONS[region].currency;
}

const ALL_RATIOS = [...RATIOS];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sizes = (...tiers: Tier[]) => tiers.flatMap(sizesOfTier);

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'wan2.6-t2v',
    ids: { beijing: 'wan2.6-t2v', singapore: 'wan2.6-t2v', virginia: 'wan2.6-t2v' },
    protocol: 'size',
    tiers: ['720P', '1080P'],
    sizes: sizes('720P', '1080P'),
    defaultSize: '1920*1080',
    ratios: [],
    durations: range(2, 15),
    defaultDuration: 5,
    fps: 30,
    sound: true,
    audioUrl: true,
    shotType: true,
    promptMax: 1500,
    negativePromptMax: 500,
    prices: {
      beijing: { '720P': 0.6, '1080P': 1.0 },
      singapore: { '720P': 0.1, '1080P': 0.15 },
    },
    rateLimit: { submitPerSecond: 5, concurrent: 5 },
    notes: ['Virginia prices are not published in the reference; no estimate there.', 'Never returns actual_prompt.'],
  },
  {
    id: 'wan2.5-t2v-preview',
    ids: { beijing: 'wan2.5-t2v-preview', singapore: 'wan2.5-t2v-preview' },
    protocol: 'size',
    tiers: ['480P', '720P', '1080P'],
    sizes: sizes('480P', '720P', '1080P'),
    defaultSize: '1920*1080',
    ratios: [],
    durations: [5, 10],
    defaultDuration: 5,
    // UNCONFIRMED: Sep–Nov 2025 docs say 24 fps, a Dec 2025 doc says 30; we keep the documented-longest value.
    fps: 24,
    sound: true,
    audioUrl: true,
    shotType: false,
    promptMax: 1500,
    negativePromptMax: 500,
    prices: {
      beijing: { '480P': 0.3, '720P': 0.6, '1080P': 1.0 },
      singapore: { '480P': 0.05, '720P': 0.1, '1080P': 0.15 },
    },
    rateLimit: { submitPerSecond: 5, concurrent: 5 },
    notes: ['Sound is generated automatically unless an audio file is given.'],
  },
  {
    id: 'wan2.2-t2v-plus',
    ids: { beijing: 'wan2.2-t2v-plus', singapore: 'wan2.2-t2v-plus' },
    protocol: 'size',
    tiers: ['480P', '1080P'],
    sizes: sizes('480P', '1080P'),
    defaultSize: '1920*1080',
    ratios: [],
    // UNCONFIRMED what the service does with another duration; the doc says fixed at 5 s, so we allow only 5.
    durations: [5],
    defaultDuration: 5,
    fps: 30,
    sound: false,
    audioUrl: false,
    shotType: false,
    promptMax: 800,
    negativePromptMax: 500,
    prices: {
      beijing: { '480P': 0.14, '1080P': 0.7 },
      singapore: { '480P': 0.02, '1080P': 0.1 },
    },
    rateLimit: { submitPerSecond: 2, concurrent: 2 },
    notes: ['Silent video.'],
  },
  {
    id: 'wanx2.1-t2v-turbo',
    ids: { beijing: 'wanx2.1-t2v-turbo', singapore: 'wan2.1-t2v-turbo' },
    protocol: 'size',
    tiers: ['480P', '720P'],
    sizes: sizes('480P', '720P'),
    defaultSize: '1280*720',
    ratios: [],
    durations: [5],
    defaultDuration: 5,
    fps: 30,
    sound: false,
    audioUrl: false,
    shotType: false,
    promptMax: 800,
    negativePromptMax: 500,
    prices: {
      beijing: { '480P': 0.24, '720P': 0.24 },
      singapore: { '480P': 0.036, '720P': 0.036 },
    },
    rateLimit: { submitPerSecond: 2, concurrent: 2 },
    notes: ['Silent video.', 'Called wan2.1-t2v-turbo in Singapore.'],
  },
  {
    id: 'wanx2.1-t2v-plus',
    ids: { beijing: 'wanx2.1-t2v-plus', singapore: 'wan2.1-t2v-plus' },
    protocol: 'size',
    tiers: ['720P'],
    sizes: sizes('720P'),
    defaultSize: '1280*720',
    ratios: [],
    durations: [5],
    defaultDuration: 5,
    fps: 30,
    sound: false,
    audioUrl: false,
    shotType: false,
    promptMax: 800,
    negativePromptMax: 500,
    prices: { beijing: { '720P': 0.7 }, singapore: { '720P': 0.1 } },
    rateLimit: { submitPerSecond: 2, concurrent: 2 },
    notes: ['Silent video.', 'Called wan2.1-t2v-plus in Singapore.'],
  },
  {
    id: 'wan2.7-t2v',
    // UNCONFIRMED which regions serve wan2.7-t2v; the pricing page lists Beijing and Singapore.
    ids: { beijing: 'wan2.7-t2v', singapore: 'wan2.7-t2v' },
    protocol: 'resolution',
    tiers: ['720P', '1080P'],
    sizes: [],
    ratios: ALL_RATIOS,
    defaultResolution: '1080P',
    defaultRatio: '16:9',
    durations: range(2, 15),
    defaultDuration: 5,
    fps: 30,
    sound: true,
    audioUrl: true,
    shotType: false,
    // UNCONFIRMED for t2v: 5000 is the wan2.7-i2v limit.
    promptMax: 5000,
    negativePromptMax: 500,
    prices: {
      beijing: { '720P': 0.6, '1080P': 1.0 },
      singapore: { '720P': 0.1, '1080P': 0.15 },
    },
    rateLimit: { submitPerSecond: 5, concurrent: 5 },
    notes: ['New protocol: resolution + ratio instead of size.'],
  },
];

/** @default 'wan2.5-t2v-preview': the model the mission names, with sound and every tier. */
export const DEFAULT_MODEL = 'wan2.5-t2v-preview';

/** Finds a model by any of its regional ids. */
export function findModel(id: string): ModelInfo | undefined {
  return MODELS.find((m) => m.id === id || Object.values(m.ids).includes(id));
}

export function modelIdIn(model: ModelInfo, region: Region): string | undefined {
  return model.ids[region];
}

/** All ids a user may type, for messages and completion. */
export function allModelIds(): string[] {
  return [...new Set(MODELS.flatMap((m) => [m.id, ...Object.values(m.ids)]))];
}

/** The `W*H` a size-protocol model uses for a resolution and ratio, if it has one. */
export function sizeFor(model: ModelInfo, resolution: Tier, ratio: Ratio): string | undefined {
  const size = SIZE_TABLE[resolution][ratio];
  return size && model.sizes.includes(size) ? size : undefined;
}

/** `5 or 10`, `2–15`. */
export function describeDurations(model: ModelInfo): string {
  const d = model.durations;
  const contiguous = d.length > 2 && d.every((v, i) => i === 0 || v === d[i - 1]! + 1);
  return contiguous ? `${d[0]}–${d[d.length - 1]}` : d.join(' or ');
}
