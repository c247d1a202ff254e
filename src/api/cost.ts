import { type ModelInfo, PRICE_DATE, priceCurrency } from './catalogue.js';
import type { CreateRequest } from './create-request.js';
import type { Region } from './regions.js';
import type { Tier } from './sizes.js';

/** What a task will cost if it succeeds (failed tasks are free), from the catalogue's prices. */
export interface CostEstimate {
  amount: number;
  /** The region's billing currency: CNY in Beijing, USD in Singapore and Virginia. */
  currency: string;
  /** When the price table was read; prices change. */
  price_date: string;
}

/**
 * Price per second of the output's tier × seconds (dashscope-api.md §6.4), at the silent price for a
 * silent video where the price list has one. Undefined where the reference publishes no price.
 */
export function estimateCost(
  model: ModelInfo,
  region: Region,
  tier: Tier,
  seconds: number,
  silent = false,
): CostEstimate | undefined {
  const perSecond = (silent ? model.silentPrices?.[region]?.[tier] : undefined) ?? model.prices[region]?.[tier];
  if (perSecond === undefined) return undefined;
  return {
    amount: Math.round(perSecond * seconds * 10_000) / 10_000,
    currency: priceCurrency(region),
    price_date: PRICE_DATE,
  };
}

/** The estimate for a request built by `buildCreateRequest`: the video's seconds and any billed reference clips. */
export function requestCost(request: CreateRequest): CostEstimate | undefined {
  const seconds = request.duration + request.inputSeconds;
  return estimateCost(request.model, request.region, request.tier, seconds, request.silent);
}
