/**
 * CRC-64/XZ (the checksum in OSS's `x-oss-hash-crc64ecma`) as a tiny WebAssembly function, because
 * the JavaScript version in `../crc64.ts` runs at about 1 GB/s and would hold a 1 GiB download below
 * line rate; with native 64-bit integers and slicing-by-16 it runs at about 3 GB/s (1 GiB in 345 ms
 * on a 2-core EPYC VM; 575 ms before the lookups were summed as a tree rather than a chain). The module is
 * assembled here from opcodes, so there is no binary blob to trust and no build step. `../crc64.ts`
 * stays the reference implementation: the tests compare the two.
 *
 * Memory layout: sixteen 256-entry i64 tables at 0 (32 KiB), then the input buffer at `TABLE_BYTES`.
 * `update(register, pointer, length) → register` works on the raw (inverted) register; the caller
 * starts from all ones and inverts at the end.
 */
const POLY = 0xc96c5795d7870f42n;
/** Bytes consumed per step; table t maps a byte to its contribution t bytes before the end of the step. */
const SLICES = 16;
export const TABLE_BYTES = SLICES * 256 * 8;
const PAGE = 65536;

/** Binary of the module, with memory for `bufferBytes` of input. */
export function crc64WasmModule(bufferBytes: number): Uint8Array<ArrayBuffer> {
  const pages = Math.ceil((TABLE_BYTES + bufferBytes) / PAGE);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([[0x60, 3, I64, I32, I32, 1, I64]])), // type 0: (i64, i32, i32) -> i64
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0x00, ...uleb(pages)]])), // one memory, min `pages`, no max
    ...section(7, vector([exportEntry('update', 0x00), exportEntry('memory', 0x02)])),
    ...section(10, vector([withSize([...vector([[4, I32]]), ...updateBody()])])),
  ]);
}

/** The slicing-by-16 tables, little-endian, to copy to address 0 of the module's memory. */
export function crc64Tables(): Uint8Array {
  const table = new BigUint64Array(SLICES * 256);
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
    table[n] = c;
  }
  for (let t = 1; t < SLICES; t++) {
    for (let n = 0; n < 256; n++) {
      const prev = table[(t - 1) * 256 + n]!;
      table[t * 256 + n] = (prev >> 8n) ^ table[Number(prev & 0xffn)]!;
    }
  }
  const bytes = new Uint8Array(TABLE_BYTES);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of table.entries()) view.setBigUint64(i * 8, value, true);
  return bytes;
}

export interface WasmCrc64 {
  /** Checks `data`: in place when it lies in `slabs`, else copied in `bufferBytes` at a time. */
  update(data: Uint8Array): void;
  digest(): string;
  /** Back to the empty input; the slabs stay. */
  reset(): void;
  /**
   * Buffers inside the module's memory, for a caller to receive data into: the CRC then reads
   * them where they are (see slab-body.ts), with no copy. They start at 4 KiB multiples of a
   * page-aligned memory, so O_DIRECT can write them as they are (direct-io.ts).
   */
  slabs: Buffer[];
}

/** An instance with its own memory: a copy buffer of `bufferBytes`, and `slabCount` slabs of `slabBytes`. */
export function createWasmCrc64(bufferBytes = 1 << 20, slabCount = 0, slabBytes = 1 << 20): WasmCrc64 {
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(crc64WasmModule(bufferBytes + slabCount * slabBytes)),
  );
  const { update, memory } = instance.exports as {
    update(reg: bigint, ptr: number, len: number): bigint;
    memory: WebAssembly.Memory;
  };
  // The memory never grows, so this ArrayBuffer (and every slab view of it) stays valid.
  const arena = memory.buffer;
  const heap = new Uint8Array(arena);
  heap.set(crc64Tables(), 0);
  const slabsAt = TABLE_BYTES + bufferBytes;
  let register = ALL_ONES;
  return {
    update(data) {
      if (data.buffer === arena && data.byteOffset >= slabsAt) {
        register = update(register, data.byteOffset, data.length);
        return;
      }
      for (let i = 0; i < data.length; i += bufferBytes) {
        const slice = data.subarray(i, i + bufferBytes);
        heap.set(slice, TABLE_BYTES);
        register = update(register, TABLE_BYTES, slice.length);
      }
    },
    digest: () => BigInt.asUintN(64, register ^ ALL_ONES).toString(),
    reset: () => {
      register = ALL_ONES;
    },
    slabs: Array.from({ length: slabCount }, (_, i) => Buffer.from(arena, slabsAt + i * slabBytes, slabBytes)),
  };
}

export const ALL_ONES = (1n << 64n) - 1n;

// ---- assembler ----------------------------------------------------------------------------------

const I32 = 0x7f;
const I64 = 0x7e;
// Locals: parameters 0 register, 1 pointer, 2 length; then 3 end, 4 end16, 5 lo, 6 hi (i32).
const [REG, PTR, LEN, END, END16, LO, HI] = [0, 1, 2, 3, 4, 5, 6];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32 = (n: number) => [0x41, ...sleb(n)];
const i64 = (n: number) => [0x42, ...sleb(n)];
const i64Load = (alignLog2: number, offset: number) => [0x29, alignLog2, ...uleb(offset)];
const I32_ADD = 0x6a,
  I32_AND = 0x71,
  I32_SHL = 0x74,
  I32_SHR_U = 0x76,
  I32_XOR = 0x73,
  I32_GE_U = 0x4f,
  I32_WRAP_I64 = 0xa7;
const I64_XOR = 0x85,
  I64_SHR_U = 0x88,
  I32_LOAD8_U = [0x2d, 0, 0];
const I32_LOAD = (offset: number) => [0x28, 0, ...uleb(offset)];
const BLOCK = [0x02, 0x40],
  LOOP = [0x03, 0x40],
  END_OP = 0x0b;
const BR = (depth: number) => [0x0c, depth];
const BR_IF = (depth: number) => [0x0d, depth];

/**
 * Table `t`'s entry for byte `k` (0 = lowest) of the i32 in local `word`. One shift and one mask
 * give the byte already scaled to an 8-byte entry's offset: ((word >> (8k - 3)) & 0x7f8).
 */
function lookup(word: number, k: number, t: number): number[] {
  const shift = 8 * k - 3;
  const scaled = shift < 0 ? [...get(word), ...i32(3), I32_SHL] : [...get(word), ...i32(shift), I32_SHR_U];
  return [...scaled, ...i32(0x7f8), I32_AND, ...i64Load(3, t * 2048)];
}

/** XORs the lookups pairwise, so the sum is 4 XORs deep instead of 15 (the loop-carried chain is the limit). */
function xorTree(terms: number[][]): number[] {
  if (terms.length === 1) return terms[0]!;
  const half = terms.length / 2;
  return [...xorTree(terms.slice(0, half)), ...xorTree(terms.slice(half)), I64_XOR];
}

function updateBody(): number[] {
  const body: number[] = [];
  // end = ptr + len; end16 = ptr + (len & ~15)
  body.push(...get(PTR), ...get(LEN), I32_ADD, ...set(END));
  body.push(...get(PTR), ...get(LEN), ...i32(-SLICES), I32_AND, I32_ADD, ...set(END16));
  // Sixteen bytes at a time, the register folded into the first eight: byte k of the sixteen
  // (0 = first) is looked up in table 15 - k, and the sixteen entries XORed together.
  body.push(...BLOCK, ...LOOP, ...get(PTR), ...get(END16), I32_GE_U, ...BR_IF(1));
  body.push(...get(PTR), ...I32_LOAD(0), ...get(REG), I32_WRAP_I64, I32_XOR, ...set(LO));
  body.push(...get(PTR), ...I32_LOAD(4), ...get(REG), ...i64(32), I64_SHR_U, I32_WRAP_I64, I32_XOR, ...set(HI));
  const terms: number[][] = [];
  for (let k = 0; k < 4; k++) terms.push(lookup(LO, k, 15 - k));
  for (let k = 0; k < 4; k++) terms.push(lookup(HI, k, 11 - k));
  // Bytes 8-15 are loaded as they are needed, into LO and HI again, after the first eight lookups used them.
  body.push(...xorTree(terms));
  body.push(...get(PTR), ...I32_LOAD(8), ...set(LO), ...get(PTR), ...I32_LOAD(12), ...set(HI));
  const rest: number[][] = [];
  for (let k = 0; k < 4; k++) rest.push(lookup(LO, k, 7 - k));
  for (let k = 0; k < 4; k++) rest.push(lookup(HI, k, 3 - k));
  body.push(...xorTree(rest), I64_XOR);
  body.push(...set(REG), ...get(PTR), ...i32(SLICES), I32_ADD, ...set(PTR), ...BR(0), END_OP, END_OP);
  // The tail, a byte at a time: reg = T0[(reg ^ byte) & 0xff] ^ (reg >> 8).
  body.push(...BLOCK, ...LOOP, ...get(PTR), ...get(END), I32_GE_U, ...BR_IF(1));
  body.push(...get(REG), I32_WRAP_I64, ...get(PTR), ...I32_LOAD8_U, I32_XOR, ...set(LO), ...lookup(LO, 0, 0));
  body.push(...get(REG), ...i64(8), I64_SHR_U, I64_XOR, ...set(REG));
  body.push(...get(PTR), ...i32(1), I32_ADD, ...set(PTR), ...BR(0), END_OP, END_OP);
  body.push(...get(REG), END_OP);
  return body;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const withSize = (bytes: number[]) => [...uleb(bytes.length), ...bytes];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...withSize(body)];
const exportEntry = (name: string, kind: number) => [...withSize([...Buffer.from(name, 'utf8')]), kind, 0];
