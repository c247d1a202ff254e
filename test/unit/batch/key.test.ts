import { describe, expect, it } from 'vitest';
import { lineKey } from '../../../src/batch/key.js';

const body = { model: 'wan2.2-t2v-plus', input: { prompt: 'a heron' }, parameters: { size: '832*480', seed: 1 } };

describe('lineKey', () => {
  it('is stable across runs and does not depend on key order', () => {
    const reordered = {
      parameters: { seed: 1, size: '832*480' },
      input: { prompt: 'a heron' },
      model: 'wan2.2-t2v-plus',
    };
    expect(lineKey('/data/b.jsonl', 3, body)).toBe(lineKey('/data/b.jsonl', 3, reordered));
    expect(lineKey('/data/b.jsonl', 3, body)).toMatch(/^batch-[0-9a-f]{32}$/);
    // Pinned: a change here would make every re-run of an existing batch pay again.
    expect(lineKey('stdin', 1, body)).toBe('batch-5ae5943738a525b9227166e851edc411');
  });

  it('differs by file, line, request and audio file', () => {
    const base = lineKey('/data/b.jsonl', 3, body);
    expect(lineKey('/data/c.jsonl', 3, body)).not.toBe(base);
    expect(lineKey('stdin', 3, body)).not.toBe(base);
    expect(lineKey('/data/b.jsonl', 4, body)).not.toBe(base);
    expect(lineKey('/data/b.jsonl', 3, { ...body, parameters: { ...body.parameters, seed: 2 } })).not.toBe(base);
    expect(lineKey('/data/b.jsonl', 3, body, '/data/a.wav')).not.toBe(base);
  });
});
