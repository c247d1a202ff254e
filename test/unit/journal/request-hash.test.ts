import { describe, expect, it } from 'vitest';
import { requestHash } from '../../../src/journal/index.js';

describe('requestHash', () => {
  const body = {
    model: 'wan2.2-t2v-plus',
    input: { prompt: 'a boat', negative_prompt: 'blur' },
    parameters: { size: '832*480', duration: 5, seed: 42 },
  };

  it('is a sha256 hex digest', () => {
    expect(requestHash(body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, at any depth', () => {
    const reordered = {
      parameters: { seed: 42, duration: 5, size: '832*480' },
      input: { negative_prompt: 'blur', prompt: 'a boat' },
      model: 'wan2.2-t2v-plus',
    };
    expect(requestHash(reordered)).toBe(requestHash(body));
  });

  it('orders integer-like keys like any other key', () => {
    // JavaScript lists "2" before "10" and before "b" whatever the insertion order.
    expect(requestHash({ b: 1, 10: 2, 2: 3 })).toBe(requestHash({ 2: 3, b: 1, 10: 2 }));
  });

  it('ignores undefined members, as JSON does', () => {
    expect(requestHash({ ...body, extra: undefined })).toBe(requestHash(body));
  });

  it('changes with any value, and with array order', () => {
    expect(requestHash({ ...body, parameters: { ...body.parameters, seed: 43 } })).not.toBe(requestHash(body));
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
  });

  it('hashes the compact sorted JSON (a fixed vector, stable across versions)', () => {
    // printf '{"a":1,"b":[true,null,"x"]}' | sha256sum
    expect(requestHash({ b: [true, null, 'x'], a: 1 })).toBe(
      'eca8cfb31ab74533e1eb2f4c74d2d55dfe3c79ac704787e54be8647ea7777eb1',
    );
  });

  it('refuses a body with no JSON form', () => {
    expect(() => requestHash(undefined)).toThrow(TypeError);
  });
});
