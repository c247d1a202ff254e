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
    async truncate(size: number) {
      file.length = size;
    },
  } as unknown as FileHandle & { calls: { at: number; bytes: number }[] };
}

const mp4 = (n: number) => {
  const b = Buffer.alloc(n, 7);
  Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]).copy(b); // size + 'ftyp'
  return b;
};

function writer(fh: FileHandle, direct?: { aligned(view: Buffer): boolean; buffered(): Promise<FileHandle> }) {
  const hashed: number[] = [];
  const released: Buffer[] = [];
  const progress: number[] = [];
  const w = new PartWriter(fh, {
    position: 0,
    sniff: true,
    contentType: 'video/mp4',
    path: '/tmp/x.part',
    host: 'h',
    onWritten: (position) => progress.push(position),
    hash: (v) => hashed.push(v.length),
    release: (v) => released.push(v),
    ...(direct ? { direct } : {}),
  });
  return { w, hashed, released, progress };
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
    await w.finish();
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
    await w.finish();
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
    await w.finish();
    expect(Buffer.from(file).equals(body)).toBe(true);
    expect(bufferedFh.calls).toEqual([
      { at: 0, bytes: 4096 },
      { at: 4096, bytes: 8192 },
    ]);
  });

  it('reports any other failure of a direct write as a disk error', async () => {
    const file: number[] = [];
    const { w } = writer(fakeHandle(file, 'ENOSPC'), { aligned: () => true, buffered: async () => fakeHandle(file) });
    await w.write(mp4(4096)); // handed to the disk; the failure shows when it lands
    await expect(w.finish()).rejects.toMatchObject({ kind: 'disk' });
  });
});

/** A FileHandle whose writes land only when the test says: `land(i, error?)` settles the i-th write. */
function heldHandle(file: number[]) {
  const writes: { at: number; buffers: Buffer[]; settle(err?: Error): void }[] = [];
  const fh = {
    writev(buffers: Buffer[], position: number) {
      return new Promise((resolve, reject) => {
        writes.push({
          at: position,
          buffers,
          settle(err) {
            if (err) return reject(Object.assign(err, { code: 'EIO' }));
            let at = position;
            for (const b of buffers) for (const byte of b) file[at++] = byte;
            resolve({ bytesWritten: at - position, buffers });
          },
        });
      });
    },
    async datasync() {},
    async truncate(size: number) {
      file.length = size;
    },
  } as unknown as FileHandle;
  return { fh, writes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PartWriter with writes in flight', () => {
  it('hands a second view to the disk while the first is written, hashing each as it goes, and counts them in order', async () => {
    const file: number[] = [];
    const { fh, writes } = heldHandle(file);
    const { w, hashed, released, progress } = writer(fh);
    const body = mp4(3000);
    await w.write(body.subarray(0, 1000)); // one in flight: room for another
    let second = false;
    void w.write(body.subarray(1000, 2000)).then(() => (second = true));
    await tick();
    expect(writes.map((x) => x.at)).toEqual([0, 1000]);
    expect(hashed).toEqual([1000, 1000]);
    expect(second).toBe(false); // two in flight: the caller waits
    writes[1]!.settle(); // the later one lands first: nothing counts yet
    await tick();
    expect(w.written).toBe(0);
    expect(released).toHaveLength(0);
    writes[0]!.settle();
    await tick();
    expect(second).toBe(true);
    // The second landed first and is counted the moment the first lands.
    expect(progress).toEqual([1000, 2000]);
    expect(released).toHaveLength(2);
    const third = w.write(body.subarray(2000));
    await tick();
    writes[2]!.settle();
    await third;
    await w.finish();
    expect(progress).toEqual([1000, 2000, 3000]);
    expect(w.written).toBe(3000);
    expect(Buffer.from(file).equals(body)).toBe(true);
  });

  it('after a failed write, counts nothing past it and cuts off what a later write left beyond the gap', async () => {
    const file: number[] = [];
    const { fh, writes } = heldHandle(file);
    const { w, released } = writer(fh);
    const body = mp4(3000);
    await w.write(body.subarray(0, 1000));
    const second = w.write(body.subarray(1000, 2000));
    await tick();
    writes[0]!.settle();
    await second;
    const third = w.write(body.subarray(2000)).catch((err: unknown) => err);
    await tick();
    writes[1]!.settle(new Error('I/O error'));
    writes[2]!.settle(); // landed, but after a gap
    expect(await third).toMatchObject({ kind: 'disk' });
    await w.close();
    expect(w.written).toBe(1000);
    expect(file).toHaveLength(1000);
    expect(released).toHaveLength(3);
  });

  it('lets writes in flight land when the body fails, so the bytes received still count', async () => {
    const file: number[] = [];
    const { fh, writes } = heldHandle(file);
    const { w } = writer(fh);
    const body = mp4(2000);
    await w.write(body.subarray(0, 1000));
    void w.write(body.subarray(1000)).catch(() => undefined);
    await tick();
    // The connection drops here: the caller stops writing and closes.
    const closing = w.close();
    writes[0]!.settle();
    writes[1]!.settle();
    await closing;
    expect(w.written).toBe(2000);
    expect(Buffer.from(file).equals(body)).toBe(true);
  });
});
