import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../../src/api/crc64.js';

describe('crc64 (CRC-64/XZ, as OSS computes x-oss-hash-crc64ecma)', () => {
  it('matches the catalogue check value for "123456789"', () => {
    expect(BigInt(crc64(Buffer.from('123456789'))).toString(16)).toBe('995dc9bbdf1939fa');
  });
  it('is 0 for no bytes', () => {
    expect(crc64(Buffer.alloc(0))).toBe('0');
  });
  it('gives the same result however the data is split', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    const whole = crc64(data);
    for (const cut of [1, 7, 8, 9, 500, 999]) {
      expect(new Crc64().update(data.subarray(0, cut)).update(data.subarray(cut)).digest()).toBe(whole);
    }
  });
  it('agrees with a bit-by-bit reference', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    let crc = 0xffffffffffffffffn;
    for (const byte of data) {
      crc ^= BigInt(byte);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
    }
    expect(crc64(data)).toBe((crc ^ 0xffffffffffffffffn).toString());
  });
});
