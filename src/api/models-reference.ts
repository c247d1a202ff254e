import type { ModelInfo } from './catalogue.js';
import { MB, range, sizes } from './model-helpers.js';

/*
 * The reference-to-video models, from Alibaba's "参考生视频API参考（2.6）" (2026), the video-to-video
 * guide (per-region models) and the model price and rate-limit pages (research notes).
 */

const REFERENCES: Pick<
  ModelInfo,
  | 'modes'
  | 'shape'
  | 'service'
  | 'protocol'
  | 'tiers'
  | 'sizes'
  | 'defaultSize'
  | 'ratios'
  | 'promptRequired'
  | 'images'
  | 'videos'
  | 'references'
  | 'billedInputSeconds'
> = {
  modes: ['r2v'],
  shape: 'references',
  service: 'video-generation',
  // Like text-to-video: "size must be set to exact values such as 1280*720, not 1:1 or 720P".
  protocol: 'size',
  tiers: ['720P', '1080P'],
  sizes: sizes('720P', '1080P'),
  defaultSize: '1920*1080',
  ratios: [],
  // The prompt names the references: character1, character2, … in the order given.
  promptRequired: true,
  // reference_urls takes http(s) and oss:// URLs only: local files are uploaded.
  images: { maxBytes: 20 * MB, minSide: 240, maxSide: 8000, dataUrl: false },
  videos: { maxBytes: 100 * MB, minSeconds: 1, maxSeconds: 30 },
  // Images 0–5, videos 0–3, at most 5 in all.
  references: { images: 5, videos: 3, total: 5 },
  // Input clips are billed too: at most 5 s in all, shared evenly among the references.
  billedInputSeconds: 5,
};

export const REFERENCE_MODELS: readonly ModelInfo[] = [
  {
    id: 'wan2.6-r2v-flash',
    ids: { beijing: 'wan2.6-r2v-flash', singapore: 'wan2.6-r2v-flash' },
    ...REFERENCES,
    durations: range(2, 10),
    defaultDuration: 5,
    fps: 30,
    sound: true,
    audioSwitch: true,
    audioUrl: false,
    audioSeconds: [3, 30],
    shotType: true,
    promptMax: 1500,
    negativePromptMax: 500,
    prices: {
      beijing: { '720P': 0.3, '1080P': 0.5 },
      singapore: { '720P': 0.05, '1080P': 0.075 },
    },
    silentPrices: {
      beijing: { '720P': 0.15, '1080P': 0.25 },
      singapore: { '720P': 0.025, '1080P': 0.0375 },
    },
    rateLimit: { submitPerSecond: 5, concurrent: 5 },
    notes: ['Sound unless --no-audio (half price); voices come from reference clips.'],
  },
  {
    id: 'wan2.6-r2v',
    ids: { beijing: 'wan2.6-r2v', singapore: 'wan2.6-r2v', virginia: 'wan2.6-r2v' },
    ...REFERENCES,
    durations: range(2, 10),
    // The guide gives 5 or 10 s on the global deployment.
    regionDurations: { virginia: [5, 10] },
    defaultDuration: 5,
    fps: 30,
    sound: true,
    audioSwitch: false,
    audioUrl: false,
    audioSeconds: [3, 30],
    shotType: true,
    promptMax: 1500,
    negativePromptMax: 500,
    prices: {
      beijing: { '720P': 0.6, '1080P': 1.0 },
      singapore: { '720P': 0.1, '1080P': 0.15 },
    },
    rateLimit: { submitPerSecond: 5, concurrent: 5 },
    notes: ['Always with sound.', 'Virginia prices are not published; no estimate there.'],
  },
];
