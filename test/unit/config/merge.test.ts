import { describe, expect, it } from 'vitest';
import {
  type ConfigLayer,
  type ConfigValues,
  DEFAULTS,
  mergeConfig,
  type SourceKind,
} from '../../../src/config/index.js';

// Layers are passed lowest priority first; later layers win.
const FILE = '/p/.wanrc.json';
const PROFILE = '/p/.wanrc.json (profile ci)';

type Present = 'file' | 'profile' | 'env' | 'flag';

const sample: Record<Present, Partial<ConfigValues>> = {
  file: { region: 'singapore', timeout: 60_000, seed: 1, outputDir: '/p/file-out', model: 'wan2.6-t2v' },
  profile: { region: 'virginia', timeout: 120_000, seed: 2, outputDir: '/p/profile-out', model: 'wan2.7-t2v' },
  env: { region: 'beijing', timeout: 180_000, outputDir: '/cwd/env-out', model: 'wan2.2-t2v-plus' },
  flag: { region: 'singapore', timeout: 240_000, seed: 4, outputDir: '/cwd/flag-out', model: 'wanx2.1-t2v-plus' },
};

const detailOf: Record<Present, ConfigLayer['detail']> = {
  file: FILE,
  profile: PROFILE,
  env: { region: 'WAN_REGION', timeout: 'WAN_TIMEOUT', outputDir: 'WAN_OUTPUT_DIR', model: 'WAN_MODEL' },
  flag: { region: '--region', timeout: '--timeout', seed: '--seed', outputDir: '--output-dir', model: '--model' },
};

const kindOf: Record<Present, SourceKind> = { file: 'file', profile: 'file', env: 'env', flag: 'flag' };

function layers(present: Present[]): ConfigLayer[] {
  const order: Present[] = ['file', 'profile', 'env', 'flag'];
  return order
    .filter((p) => present.includes(p))
    .map((p) => ({ kind: kindOf[p], detail: detailOf[p], values: sample[p] }));
}

describe('mergeConfig precedence: flag > env > file profile > file > default', () => {
  it.each<[string, keyof ConfigValues, Present[], unknown, { kind: SourceKind; detail?: string } | undefined]>([
    // key, layers that are present, expected value, expected source
    ['default only', 'region', [], 'beijing', { kind: 'default' }],
    ['file beats default', 'region', ['file'], 'singapore', { kind: 'file', detail: FILE }],
    ['profile beats file', 'region', ['file', 'profile'], 'virginia', { kind: 'file', detail: PROFILE }],
    ['env beats profile', 'region', ['file', 'profile', 'env'], 'beijing', { kind: 'env', detail: 'WAN_REGION' }],
    [
      'flag beats everything',
      'region',
      ['file', 'profile', 'env', 'flag'],
      'singapore',
      { kind: 'flag', detail: '--region' },
    ],
    ['flag beats file without env', 'timeout', ['file', 'flag'], 240_000, { kind: 'flag', detail: '--timeout' }],
    ['env beats default', 'timeout', ['env'], 180_000, { kind: 'env', detail: 'WAN_TIMEOUT' }],
    ['default timeout', 'timeout', [], DEFAULTS.timeout, { kind: 'default' }],
    ['default pollInterval', 'pollInterval', ['file', 'profile', 'env', 'flag'], 5_000, { kind: 'default' }],
    ['default model', 'model', [], DEFAULTS.model, { kind: 'default' }],
    ['profile model', 'model', ['file', 'profile'], 'wan2.7-t2v', { kind: 'file', detail: PROFILE }],
    // env sets no seed, so the profile's stays
    ['env without the key leaves profile', 'seed', ['file', 'profile', 'env'], 2, { kind: 'file', detail: PROFILE }],
    ['no layer sets seed', 'seed', [], undefined, undefined],
    [
      'outputDir from flag',
      'outputDir',
      ['file', 'env', 'flag'],
      '/cwd/flag-out',
      { kind: 'flag', detail: '--output-dir' },
    ],
    [
      'outputDir from env',
      'outputDir',
      ['file', 'profile', 'env'],
      '/cwd/env-out',
      { kind: 'env', detail: 'WAN_OUTPUT_DIR' },
    ],
  ])('%s (%s)', (_name, key, present, value, source) => {
    const merged = mergeConfig(layers(present));
    expect(merged.values[key]).toEqual(value);
    expect(merged.sources[key]).toEqual(source);
  });

  // Every subset of layers, for every key the samples set: the highest present layer that sets the key wins.
  const keys: Array<keyof ConfigValues> = ['region', 'timeout', 'seed', 'outputDir', 'model'];
  const subsets = Array.from({ length: 16 }, (_, mask) =>
    (['file', 'profile', 'env', 'flag'] as Present[]).filter((_, bit) => mask & (1 << bit)),
  );
  it.each(keys.flatMap((key) => subsets.map((present) => [key, present] as const)))('%s from %j', (key, present) => {
    const winner = [...present].reverse().find((p) => sample[p][key] !== undefined);
    const merged = mergeConfig(layers(present));
    const expected = winner ? sample[winner][key] : (DEFAULTS as Partial<ConfigValues>)[key];
    expect(merged.values[key]).toEqual(expected);
    expect(merged.sources[key]?.kind).toBe(winner ? kindOf[winner] : expected === undefined ? undefined : 'default');
  });

  it('has a source for every key with a value, and no other', () => {
    const merged = mergeConfig(layers(['file', 'flag']));
    expect(Object.keys(merged.sources).sort()).toEqual(Object.keys(merged.values).sort());
  });

  it('skips undefined values, e.g. from a JS config', () => {
    const merged = mergeConfig([
      { kind: 'file', detail: FILE, values: { region: 'virginia' } },
      { kind: 'flag', values: { region: undefined } },
    ]);
    expect(merged.values.region).toBe('virginia');
    expect(merged.sources.region).toEqual({ kind: 'file', detail: FILE });
  });

  it('does not mutate its inputs or the defaults', () => {
    const input = layers(['file', 'flag']);
    const before = JSON.stringify(input);
    mergeConfig(input).values.region = 'virginia';
    expect(JSON.stringify(input)).toBe(before);
    expect(DEFAULTS.region).toBe('beijing');
  });
});
