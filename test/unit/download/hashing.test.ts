import { randomBytes, createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64, Crc64 } from '../../../src/api/crc64.js';
import { createWasmCrc64 } from '../../../src/api/download/crc64-wasm.js';
import { FileHasher, hashFile } from '../../../src/api/download/file-hasher.js';

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

describe('FileHasher', () => {
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

  it.each(['one-worker', 'two-workers'] as const)('hashes a growing file on worker threads (%s), trailing the writes', async (layout) => {
    const data = randomBytes(5 * 1024 * 1024 + 17);
    const hasher = new FileHasher(path, layout);
    try {
      await writeFile(path, '');
      for (let i = 0; i < data.length; i += 700_001) {
        await appendFile(path, data.subarray(i, i + 700_001));
        hasher.advance(Math.min(data.length, i + 700_001));
      }
      expect(await hasher.finish(data.length)).toEqual({ ...expected(data), inline: false });
    } finally {
      await hasher.close();
    }
  });

  it('starts over after reset, when the file was truncated and rewritten', async () => {
    const first = randomBytes(2_000_000);
    const second = randomBytes(1_500_000);
    const hasher = new FileHasher(path);
    try {
      await writeFile(path, first);
      hasher.advance(first.length);
      hasher.reset();
      await truncate(path, 0);
      await writeFile(path, second);
      hasher.advance(second.length);
      expect(await hasher.finish(second.length)).toEqual({ ...expected(second), inline: false });
    } finally {
      await hasher.close();
    }
  });

  it('hashes on the main thread when told not to use workers, with the same answer', async () => {
    const data = randomBytes(1_000_000);
    await writeFile(path, data);
    const hasher = new FileHasher(path, 'inline');
    expect(await hasher.finish(data.length)).toEqual({ ...expected(data), inline: true });
    expect(await hashFile(path, data.length)).toEqual(expected(data));
  });

  it('rejects when the file is shorter than claimed', async () => {
    await writeFile(path, randomBytes(100));
    const hasher = new FileHasher(path);
    try {
      await expect(hasher.finish(200)).rejects.toThrow(/fewer than/);
    } finally {
      await hasher.close();
    }
  });
});
