import { describe, expect, it } from 'vitest';
import { maskKey } from '../../../src/config/index.js';

describe('maskKey', () => {
  it.each([
    ['sk-0123456789abcdef0123456789abcdef', 'sk-…cdef'],
    ['sk-abcdefghijklmnop', 'sk-…mnop'], // 16 characters after the prefix: the shortest shown
    ['sk-abcdefghijklmno', '***'],
    ['0123456789abcdef0123', '…0123'],
    ['  sk-0123456789abcdef0123456789abcdef\n', 'sk-…cdef'],
    ['sk-', '***'],
    ['short', '***'],
    ['', '***'],
  ])('%j → %j', (key, masked) => {
    expect(maskKey(key)).toBe(masked);
  });

  it.each(['sk-0123456789abcdef0123456789abcdef', 'abcdefghijklmnopqrstuvwxyz', 'sk-abc'])(
    'never reveals more than 4 characters of %j',
    (key) => {
      const shown = maskKey(key).replace(/^sk-/, '').replace(/[…*]/g, '');
      expect(shown.length).toBeLessThanOrEqual(4);
      expect(key.endsWith(shown)).toBe(true);
    },
  );
});
