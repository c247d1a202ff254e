import { sizesOfTier, type Tier } from './sizes.js';

/** `range(2, 5)` is `[2, 3, 4, 5]`: the durations a model takes. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every size of the size table in these tiers. */
export const sizes = (...tiers: Tier[]): string[] => tiers.flatMap(sizesOfTier);

export const MB = 1024 * 1024;
