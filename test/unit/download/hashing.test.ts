import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../../src/api/crc64.js';
import { createWasmCrc64 } from '../../../src/api/download/crc64-wasm.js';
import { RunningDigest } from '../../../src/api/download/running-digest.js';

describe('CRC-64 in WebAssembly', () => {
  it('gives the CRC-64/XZ check value', () => {
    const crc = createWasmCrc64();
    crc.update(Buffer.from('123456789'));
    expect(BigInt(crc.digest()).toString(16)).toBe('995dc9bbdf1939fa');
  });

  it('matches ../crc64.ts for every length and any split into updates', () => {
    const data = randomBytes(3000);
    for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 3000]) {
      const crc = createWasmCrc64(256); // a small buffer, to cross buffer boundaries too
      crc.update(data.subarray(0, length));
      expect(crc.digest()).toBe(crc64(data.subarray(0, length)));
    }
    const split = createWasmCrc64(1024);
    const reference = new Crc64();
    for (let i = 0; i < data.length; ) {
      const n = 1 + ((i * 7919) % 333);
      split.update(data.subarray(i, i + n));
      reference.update(data.subarray(i, i + n));
      i += n;
    }
    expect(split.digest()).toBe(reference.digest());
  });
});

describe('RunningDigest', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wan-hash-'));
    path = join(dir, 'video.mp4.part');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const expected = (data: Buffer) => ({ sha256: createHash('sha256').update(data).digest('hex'), crc64: crc64(data) });

  it('gives both digests of the pieces fed to it, in any split', () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const digest = new RunningDigest(true);
    for (let i = 0; i < data.length; i += 700_001) digest.update(data.subarray(i, i + 700_001));
    expect(digest.digest()).toEqual(expected(data));
    expect(digest.position).toBe(data.length);
  });

  it('checks bytes in its own slabs in place, with the same result as a copy', () => {
    const data = randomBytes(2 * 1024 * 1024 - 3);
    const digest = new RunningDigest(false);
    expect(digest.slabs.length).toBeGreaterThanOrEqual(2);
    const [first, second] = digest.slabs;
    data.copy(first!, 0, 0, first!.length);
    data.copy(second!, 0, first!.length);
    digest.update(first!);
    digest.update(second!.subarray(0, data.length - first!.length));
    expect(digest.digest().crc64).toBe(crc64(data));
  });

  it('computes no SHA-256 when not asked', () => {
    const digest = new RunningDigest(false);
    digest.update(Buffer.from('123456789'));
    expect(digest.digest()).toEqual({ crc64: crc64(Buffer.from('123456789')) });
  });

  it('catches up on a prefix from disk, then continues with what is fed to it', async () => {
    const data = randomBytes(2_500_000);
    await writeFile(path, data.subarray(0, 1_300_000));
    const digest = new RunningDigest(true);
    await digest.catchUp(path, 1_300_000);
    await digest.catchUp(path, 1_300_000); // nothing more to read
    digest.update(data.subarray(1_300_000));
    expect(digest.digest()).toEqual(expected(data));
  });

  it('starts over when reset, or when asked to catch up to less than it has seen', async () => {
    const first = randomBytes(200_000);
    const second = randomBytes(150_000);
    const digest = new RunningDigest(true);
    digest.update(first);
    digest.reset();
    digest.update(second);
    expect(digest.digest()).toEqual(expected(second));
    await writeFile(path, first);
    await digest.catchUp(path, 100_000);
    expect(digest.digest()).toEqual(expected(first.subarray(0, 100_000)));
  });

  it('rejects when the file is shorter than claimed', async () => {
    await writeFile(path, randomBytes(100));
    await expect(new RunningDigest(false).catchUp(path, 200)).rejects.toThrow(/fewer than/);
  });
});
