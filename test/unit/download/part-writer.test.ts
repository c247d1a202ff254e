import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PartWriter } from '../../../src/api/download/part-writer.js';

/** A FileHandle stand-in that records writes into a byte array; `refuse` makes writev fail with that code. */
function fakeHandle(file: number[], refuse?: string): FileHandle & { calls: { at: number; bytes: number }[] } {
  const calls: { at: number; bytes: number }[] = [];
  return {
    calls,
    async writev(buffers: Buffer[], position: number) {
      if (refuse) throw Object.assign(new Error(refuse), { code: refuse });
      let at = position;
      for (const b of buffers) for (const byte of b) file[at++] = byte;
      calls.push({ at: position, bytes: at - position });
      return { bytesWritten: at - position, buffers };
    },
    async datasync() {},
  } as unknown as FileHandle & { calls: { at: number; bytes: number }[] };
}

const mp4 = (n: number) => {
  const b = Buffer.alloc(n, 7);
  Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]).copy(b); // size + 'ftyp'
  return b;
};

function writer(fh: FileHandle, direct: { aligned(view: Buffer): boolean; buffered(): Promise<FileHandle> } | undefined) {
  const hashed: number[] = [];
  const released: Buffer[] = [];
  const w = new PartWriter(fh, {
    position: 0,
    sniff: true,
    contentType: 'video/mp4',
    path: '/tmp/x.part',
    host: 'h',
    onWritten: () => undefined,
    hash: (v) => hashed.push(v.length),
    release: (v) => released.push(v),
    ...(direct ? { direct } : {}),
  });
  return { w, hashed, released };
}

describe('PartWriter with O_DIRECT', () => {
  it('writes whole blocks through the direct handle and the last partial block through the buffered one', async () => {
    const file: number[] = [];
    const directFh = fakeHandle(file);
    const bufferedFh = fakeHandle(file);
    const { w, hashed, released } = writer(directFh, { aligned: () => true, buffered: async () => bufferedFh });
    const body = mp4(3 * 4096 + 100);
    await w.write(body.subarray(0, 2 * 4096));
    await w.write(body.subarray(2 * 4096));
    w.end();
    expect(Buffer.from(file).equals(body)).toBe(true);
    expect(directFh.calls).toEqual([
      { at: 0, bytes: 8192 },
      { at: 8192, bytes: 4096 },
    ]);
    expect(bufferedFh.calls).toEqual([{ at: 12288, bytes: 100 }]);
    expect(hashed).toEqual([8192, 4196]);
    expect(released).toHaveLength(2);
    expect(w.written).toBe(body.length);
  });

  it('writes a view in memory that is not block-aligned through the buffered handle', async () => {
    const file: number[] = [];
    const directFh = fakeHandle(file);
    const bufferedFh = fakeHandle(file);
    const { w } = writer(directFh, { aligned: () => false, buffered: async () => bufferedFh });
    const body = mp4(8192);
    await w.write(body);
    expect(directFh.calls).toEqual([]);
    expect(bufferedFh.calls).toEqual([{ at: 0, bytes: 8192 }]);
  });

  it('falls back to the page cache for good when a direct write is refused with EINVAL', async () => {
    const file: number[] = [];
    const directFh = fakeHandle(file, 'EINVAL');
    const bufferedFh = fakeHandle(file);
    const { w } = writer(directFh, { aligned: () => true, buffered: async () => bufferedFh });
    const body = mp4(3 * 4096);
    await w.write(body.subarray(0, 4096));
    await w.write(body.subarray(4096));
    expect(Buffer.from(file).equals(body)).toBe(true);
    expect(bufferedFh.calls).toEqual([
      { at: 0, bytes: 4096 },
      { at: 4096, bytes: 8192 },
    ]);
  });

  it('reports any other failure of a direct write as a disk error', async () => {
    const file: number[] = [];
    const { w } = writer(fakeHandle(file, 'ENOSPC'), { aligned: () => true, buffered: async () => fakeHandle(file) });
    await expect(w.write(mp4(4096))).rejects.toMatchObject({ kind: 'disk' });
  });
});
