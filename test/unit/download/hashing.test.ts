import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../../src/api/crc64.js';
import { FileDigest } from '../../../src/api/download/file-digest.js';

describe('Crc64', () => {
  it('gives the CRC-64/XZ check value', () => {
    expect(BigInt(crc64(Buffer.from('123456789'))).toString(16)).toBe('995dc9bbdf1939fa');
  });

  it('gives the same value for any split into updates', () => {
    const data = randomBytes(3000);
    const whole = crc64(data);
    const split = new Crc64();
    for (let i = 0; i < data.length; ) {
      const n = 1 + ((i * 7919) % 333);
      split.update(data.subarray(i, i + n));
      i += n;
    }
    expect(split.digest()).toBe(whole);
    expect(new Crc64().digest()).toBe(crc64(Buffer.alloc(0)));
  });

  it('matches a bit-at-a-time reference at every offset and length around its 16-byte steps', () => {
    const data = randomBytes(200);
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length + offset <= 80; length++) {
        const view = data.subarray(offset, offset + length);
        expect(crc64(view)).toBe(referenceCrc64(view));
      }
    }
    const large = randomBytes(10_007).subarray(3);
    expect(crc64(large)).toBe(referenceCrc64(large));
  });
});

/** CRC-64/XZ one bit at a time (slow and obviously right). */
function referenceCrc64(data: Uint8Array): string {
  const poly = 0xc96c5795d7870f42n;
  const ones = 0xffffffffffffffffn;
  let crc = ones;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return (crc ^ ones).toString();
}

describe('FileDigest', () => {
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
    const digest = new FileDigest();
    for (let i = 0; i < data.length; i += 700_001) digest.update(data.subarray(i, i + 700_001));
    expect(digest.digest()).toEqual(expected(data));
    expect(digest.position).toBe(data.length);
  });

  it('catches up on a prefix from disk, then continues with what is fed to it', async () => {
    const data = randomBytes(2_500_000);
    await writeFile(path, data.subarray(0, 1_300_000));
    const digest = new FileDigest();
    await digest.catchUp(path, 1_300_000);
    await digest.catchUp(path, 1_300_000); // nothing more to read
    digest.update(data.subarray(1_300_000));
    expect(digest.digest()).toEqual(expected(data));
  });

  it('starts over when reset, or when asked to catch up to less than it has seen', async () => {
    const first = randomBytes(200_000);
    const second = randomBytes(150_000);
    const digest = new FileDigest();
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
    await expect(new FileDigest().catchUp(path, 200)).rejects.toThrow(/fewer than/);
  });
});
