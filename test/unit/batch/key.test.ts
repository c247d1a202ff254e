import { describe, expect, it } from 'vitest';
import { lineKey } from '../../../src/batch/key.js';

describe('lineKey', () => {
  it('is stable across runs', () => {
    expect(lineKey('/data/b.jsonl', 'identity', 0)).toBe(lineKey('/data/b.jsonl', 'identity', 0));
    // Pinned: a change here would make every re-run of an existing batch pay again.
    expect(lineKey('stdin', 'identity', 0)).toBe('batch-c45bd932eb57664c056af096c760d683');
  });

  it('differs by file, request and occurrence — not by line number, which is not an argument', () => {
    const base = lineKey('/data/b.jsonl', 'identity', 0);
    expect(lineKey('/data/c.jsonl', 'identity', 0)).not.toBe(base);
    expect(lineKey('stdin', 'identity', 0)).not.toBe(base);
    expect(lineKey('/data/b.jsonl', 'other', 0)).not.toBe(base);
    expect(lineKey('/data/b.jsonl', 'identity', 1)).not.toBe(base);
  });
});
