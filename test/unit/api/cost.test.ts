import { describe, expect, it } from 'vitest';
import { findModel } from '../../../src/api/catalogue.js';
import { estimateCost } from '../../../src/api/cost.js';

describe('estimateCost', () => {
  it.each([
    ['wan2.5-t2v-preview', 'beijing', '480P', 10, 3],
    ['wan2.5-t2v-preview', 'beijing', '1080P', 5, 5],
    ['wan2.2-t2v-plus', 'beijing', '480P', 5, 0.7],
    ['wanx2.1-t2v-turbo', 'singapore', '720P', 5, 0.18],
    ['wan2.6-t2v', 'beijing', '720P', 15, 9],
    ['wan2.5-t2v-preview', 'singapore', '1080P', 10, 1.5],
  ] as const)('%s in %s at %s for %is costs %f', (id, region, tier, seconds, amount) => {
    // Beijing bills in CNY; Singapore and Virginia in USD (dashscope-api.md §6.4, [S10]).
    expect(estimateCost(findModel(id)!, region, tier, seconds)).toEqual({
      amount,
      currency: region === 'beijing' ? 'CNY' : 'USD',
      price_date: '2026-10-01',
    });
  });
  it('has no estimate where no price is published', () => {
    expect(estimateCost(findModel('wan2.6-t2v')!, 'virginia', '720P', 5)).toBeUndefined();
  });
});
