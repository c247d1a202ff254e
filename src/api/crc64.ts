/**
 * CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones): the checksum OSS sends in
 * `x-oss-hash-crc64ecma` as an unsigned decimal string. The 64-bit register is kept as two 32-bit
 * halves, because BigInt arithmetic per byte is far too slow for a download. Slicing-by-16: 16
 * bytes per step, read as four little-endian 32-bit words, each step's 16 table entries XORed as
 * a tree rather than a chain so they can be computed side by side. Bench figures: bench/README.md.
 */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const SLICES = 16;

const TABLE_HI = new Uint32Array(SLICES * 256);
const TABLE_LO = new Uint32Array(SLICES * 256);

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
// Table t gives the CRC of a byte followed by t zero bytes.
for (let t = 1; t < SLICES; t++) {
  for (let n = 0; n < 256; n++) {
    const prevHi = TABLE_HI[(t - 1) * 256 + n]!;
    const prevLo = TABLE_LO[(t - 1) * 256 + n]!;
    const idx = prevLo & 0xff;
    TABLE_HI[t * 256 + n] = (prevHi >>> 8) ^ TABLE_HI[idx]!;
    TABLE_LO[t * 256 + n] = ((prevLo >>> 8) | (prevHi << 24)) ^ TABLE_LO[idx]!;
  }
}

/** Int32Array reads the platform's byte order; the word loop needs little-endian (x86, ARM). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Incremental CRC-64/XZ. */
export class Crc64 {
  // The register, already inverted (init = all ones).
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): this {
    const len = data.length;
    // Bytes one at a time up to a 4-byte boundary of the underlying memory, then 16-byte steps.
    const head = LITTLE_ENDIAN ? (4 - (data.byteOffset & 3)) & 3 : len;
    if (len - head < 16) return this.bytes(data, 0, len);
    this.bytes(data, 0, head);
    const count = ((len - head) >>> 4) << 2;
    this.words(new Int32Array(data.buffer, data.byteOffset + head, count));
    return this.bytes(data, head + count * 4, len);
  }

  /** The checksum as OSS prints it: an unsigned 64-bit decimal string. */
  digest(): string {
    const hi = ~this.hi >>> 0;
    const lo = ~this.lo >>> 0;
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  private bytes(data: Uint8Array, from: number, to: number): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = from; i < to; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!;
      hi = (hi >>> 8) ^ TABLE_HI[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** `words` (a multiple of 4 of them), 16 bytes per step. */
  private words(words: Int32Array): void {
    const count = words.length;
    let hi = this.hi | 0;
    let lo = this.lo | 0;
    const H = TABLE_HI;
    const L = TABLE_LO;
    for (let w = 0; w < count; w += 4) {
      const a = lo ^ words[w]!;
      const b = hi ^ words[w + 1]!;
      const c = words[w + 2]!;
      const d = words[w + 3]!;
      // Byte k of the 16 goes through table 15 - k.
      const x0 = 3840 + (a & 0xff);
      const x1 = 3584 + ((a >>> 8) & 0xff);
      const x2 = 3328 + ((a >>> 16) & 0xff);
      const x3 = 3072 + (a >>> 24);
      const x4 = 2816 + (b & 0xff);
      const x5 = 2560 + ((b >>> 8) & 0xff);
      const x6 = 2304 + ((b >>> 16) & 0xff);
      const x7 = 2048 + (b >>> 24);
      const x8 = 1792 + (c & 0xff);
      const x9 = 1536 + ((c >>> 8) & 0xff);
      const x10 = 1280 + ((c >>> 16) & 0xff);
      const x11 = 1024 + (c >>> 24);
      const x12 = 768 + (d & 0xff);
      const x13 = 512 + ((d >>> 8) & 0xff);
      const x14 = 256 + ((d >>> 16) & 0xff);
      const x15 = d >>> 24;
      hi =
        H[x0]! ^
        H[x1]! ^
        (H[x2]! ^ H[x3]!) ^
        (H[x4]! ^ H[x5]! ^ (H[x6]! ^ H[x7]!)) ^
        (H[x8]! ^ H[x9]! ^ (H[x10]! ^ H[x11]!) ^ (H[x12]! ^ H[x13]! ^ (H[x14]! ^ H[x15]!)));
      lo =
        L[x0]! ^
        L[x1]! ^
        (L[x2]! ^ L[x3]!) ^
        (L[x4]! ^ L[x5]! ^ (L[x6]! ^ L[x7]!)) ^
        (L[x8]! ^ L[x9]! ^ (L[x10]! ^ L[x11]!) ^ (L[x12]! ^ L[x13]! ^ (L[x14]! ^ L[x15]!)));
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }
}

export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}
