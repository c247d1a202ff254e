/**
 * CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones): the checksum OSS sends in
 * `x-oss-hash-crc64ecma` as an unsigned decimal string. Computed over two 32-bit halves with
 * slicing-by-8 tables, because BigInt arithmetic per byte is far too slow for line-rate downloads.
 */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}
for (let t = 1; t < 8; t++) {
  for (let n = 0; n < 256; n++) {
    const prevHi = TABLE_HI[(t - 1) * 256 + n]!;
    const prevLo = TABLE_LO[(t - 1) * 256 + n]!;
    const idx = prevLo & 0xff;
    TABLE_HI[t * 256 + n] = (prevHi >>> 8) ^ TABLE_HI[idx]!;
    TABLE_LO[t * 256 + n] = ((prevLo >>> 8) | (prevHi << 24)) ^ TABLE_LO[idx]!;
  }
}

/** Incremental CRC-64/XZ. */
export class Crc64 {
  // The register, already inverted (init = all ones).
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    const len = data.length;
    let i = 0;
    const T_HI = TABLE_HI;
    const T_LO = TABLE_LO;
    for (; i + 8 <= len; i += 8) {
      const a = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const b = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      hi = T_HI[i7]! ^ T_HI[i6]! ^ T_HI[i5]! ^ T_HI[i4]! ^ T_HI[i3]! ^ T_HI[i2]! ^ T_HI[i1]! ^ T_HI[i0]!;
      lo = T_LO[i7]! ^ T_LO[i6]! ^ T_LO[i5]! ^ T_LO[i4]! ^ T_LO[i3]! ^ T_LO[i2]! ^ T_LO[i1]! ^ T_LO[i0]!;
    }
    for (; i < len; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx]!;
      hi = (hi >>> 8) ^ T_HI[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The checksum as OSS prints it: an unsigned 64-bit decimal string. */
  digest(): string {
    const hi = ~this.hi >>> 0;
    const lo = ~this.lo >>> 0;
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }
}

export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}
