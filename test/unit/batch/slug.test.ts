import { describe, expect, it } from 'vitest';
import { defaultFileName, slugify } from '../../../src/batch/slug.js';

describe('slugify', () => {
  it.each([
    ['a red panda surfing', 'a-red-panda-surfing'],
    ['  A Red Panda, surfing!! at SUNSET…  ', 'a-red-panda-surfing-at-sunset'],
    ['Crème brûlée über café', 'creme-brulee-uber-cafe'],
    ['a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'],
    ['一只小熊猫在日落时冲浪', '一只小熊猫在日落时冲浪'],
    ['!!!', 'video'],
    ['', 'video'],
    ['the quick brown fox jumps over the lazy dog near the river bank', 'the-quick-brown-fox-jumps-over-the-lazy'],
    ['x'.repeat(100), 'x'.repeat(40)],
  ])('%j → %j', (prompt, slug) => {
    expect(slugify(prompt)).toBe(slug);
  });

  it('is stable and at most 40 characters', () => {
    const prompt = 'a cinematic drone shot over a misty mountain lake at dawn, 4k';
    expect(slugify(prompt)).toBe(slugify(prompt));
    expect([...slugify(prompt)].length).toBeLessThanOrEqual(40);
  });
});

describe('defaultFileName', () => {
  it('puts the zero-padded line number first', () => {
    expect(defaultFileName(3, 'a red panda surfing')).toBe('003-a-red-panda-surfing.mp4');
    expect(defaultFileName(1234, 'x')).toBe('1234-x.mp4');
  });
});
