import { type ModelInfo, PRICE_CURRENCY, PRICE_DATE } from './catalogue.js';
import type { Region } from './regions.js';
import type { Tier } from './sizes.js';

/** What a task will cost if it succeeds (failed tasks are free), from the catalogue's prices. */
export interface CostEstimate {
  amount: number;
  currency: string;
  /** When the price table was read; prices change. */
  price_date: string;
}

/**
 * Price per second of the output's tier × seconds (dashscope-api.md §6.4). Undefined where the
 * reference publishes no price (e.g. Virginia).
 */
export function estimateCost(model: ModelInfo, region: Region, tier: Tier, seconds: number): CostEstimate | undefined {
  const perSecond = model.prices[region]?.[tier];
  if (perSecond === undefined) return undefined;
  return {
    amount: Math.round(perSecond * seconds * 10_000) / 10_000,
    currency: PRICE_CURRENCY,
    price_date: PRICE_DATE,
  };
}
