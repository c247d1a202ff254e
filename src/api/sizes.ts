/**
 * The shared size table of the legacy (size-protocol) models, dashscope-api.md §3.2.
 * `size` is always `W*H` with `*`; the tier is what prices are keyed by.
 */
export const TIERS = ['480P', '720P', '1080P'] as const;
export type Tier = (typeof TIERS)[number];

export const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
export type Ratio = (typeof RATIOS)[number];

export const SIZE_TABLE: Record<Tier, Partial<Record<Ratio, string>>> = {
  '480P': { '16:9': '832*480', '9:16': '480*832', '1:1': '624*624' },
  '720P': { '16:9': '1280*720', '9:16': '720*1280', '1:1': '960*960', '4:3': '1088*832', '3:4': '832*1088' },
  '1080P': { '16:9': '1920*1080', '9:16': '1080*1920', '1:1': '1440*1440', '4:3': '1632*1248', '3:4': '1248*1632' },
};

export function sizesOfTier(tier: Tier): string[] {
  return Object.values(SIZE_TABLE[tier]);
}

export function tierOfSize(size: string): Tier | undefined {
  return TIERS.find((tier) => sizesOfTier(tier).includes(size));
}

export function ratioOfSize(size: string): Ratio | undefined {
  for (const tier of TIERS) {
    for (const [ratio, s] of Object.entries(SIZE_TABLE[tier])) if (s === size) return ratio as Ratio;
  }
  return undefined;
}

/** `832x480`, `832X480` and `832*480` all mean `832*480`; surrounding spaces are not accepted silently. */
export function normalizeSize(input: string): string {
  return input.replace(/^(\d+)[xX*](\d+)$/, '$1*$2');
}

export function parseSize(size: string): { width: number; height: number } | undefined {
  const m = /^(\d+)\*(\d+)$/.exec(size);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}
