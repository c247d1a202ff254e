import { DEFAULT_MODEL } from '../api/catalogue.js';
import { DEFAULT_REGION } from '../api/regions.js';
import type { ConfigValues } from './types.js';

/** The values used when no flag, variable or file sets them; every other key stays unset. */
export const DEFAULTS = {
  region: DEFAULT_REGION,
  model: DEFAULT_MODEL,
  // The official SDK backs off from 1 s to 5 s (dashscope-api.md §8 item 13); 5 s stays far below the 20 QPS query limit.
  pollInterval: 5_000,
  // Tasks typically finish in 1–5 min, up to ~10 min for 1080P/15 s (dashscope-api.md §8 item 13);
  // 30 min leaves room for busy queues.
  timeout: 30 * 60_000,
  // Kept apart on purpose: one value must not serve two purposes (landscape.md on bl's single timeout).
  connectTimeout: 10_000,
  requestTimeout: 60_000,
  stallTimeout: 30_000,
  retries: 5,
} as const satisfies Pick<
  ConfigValues,
  'region' | 'model' | 'pollInterval' | 'timeout' | 'connectTimeout' | 'requestTimeout' | 'stallTimeout' | 'retries'
>;
