import { MODELS, type ModelInfo, PRICE_CURRENCY, PRICE_DATE } from '../api/catalogue.js';
import type { Region } from '../api/regions.js';

// What `wan models` lists, apart from the command: models-quick.ts prints `--json` with this
// alone (no Commander, no chalk), so it imports nothing but the catalogue.

/** The models offered in `region`, or all of them. */
export function modelsIn(region?: Region): readonly ModelInfo[] {
  return region ? MODELS.filter((m) => m.ids[region]) : MODELS;
}

/** What `wan models --json` prints: each model with the currency and date of its prices. */
export function modelsJson(region?: Region): object[] {
  return modelsIn(region).map((m) => ({ ...m, priceCurrency: PRICE_CURRENCY, priceDate: PRICE_DATE }));
}
