import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PartWriter } from '../../../src/api/download/part-writer.js';

/** A disk stand-in: writes land in `file`; `refuse` makes every write fail with that code, `short` caps each write. */
function fakeDisk(options: { refuse?: string; short?: number } = {}) {
  const file: number[] = [];
  const calls: { at: number; bytes: number }[] = [];
  const writeAt = (view: Buffer, position: number): number => {
    if (options.refuse) throw Object.assign(new Error(options.refuse), { code: options.refuse });
    const n = Math.min(view.length, options.short ?? view.length);
    for (let i = 0; i < n; i++) file[position + i] = view[i]!;
    calls.push({ at: position, bytes: n });
    return n;
  };
  return { file, calls, writeAt };
}

const handle = { async datasync() {} } as unknown as FileHandle;

const mp4 = (n: number) => {
  const b = Buffer.alloc(n, 7);
  Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]).copy(b); // size + 'ftyp'
  return b;
};

function writer(writeAt: (view: Buffer, position: number) => number, position = 0) {
  const hashed: number[] = [];
  const released: Buffer[] = [];
  const progress: number[] = [];
  const w = new PartWriter(handle, {
    position,
    sniff: position === 0,
    contentType: 'video/mp4',
    path: '/tmp/x.part',
    host: 'h',
    onWritten: (at) => progress.push(at),
    hash: (v) => hashed.push(v.length),
    release: (v) => released.push(v),
    writeAt,
  });
  return { w, hashed, released, progress };
}

describe('PartWriter', () => {
  it('writes the body at its positions, hashing and giving back every view', () => {
    const disk = fakeDisk();
    const { w, hashed, released, progress } = writer(disk.writeAt);
    const body = mp4(3 * 4096 + 100);
    w.write(body.subarray(0, 2 * 4096));
    w.write(body.subarray(2 * 4096));
    w.finish();
    expect(Buffer.from(disk.file).equals(body)).toBe(true);
    expect(disk.calls).toEqual([
      { at: 0, bytes: 8192 },
      { at: 8192, bytes: 4196 },
    ]);
    expect(hashed).toEqual([8192, 4196]);
    expect(released).toHaveLength(2);
    expect(progress).toEqual([8192, body.length]);
    expect(w.written).toBe(body.length);
  });

  it('continues a write the disk took only part of', () => {
    const disk = fakeDisk({ short: 1000 });
    const { w, hashed } = writer(disk.writeAt);
    const body = mp4(2500);
    w.write(body);
    expect(disk.calls.map((c) => c.at)).toEqual([0, 1000, 2000]);
    expect(Buffer.from(disk.file).equals(body)).toBe(true);
    expect(hashed).toEqual([2500]);
  });

  it('writes from the resume offset without sniffing', () => {
    const disk = fakeDisk();
    const { w, progress } = writer(disk.writeAt, 5000);
    w.write(Buffer.from('no header here'));
    expect(disk.calls).toEqual([{ at: 5000, bytes: 14 }]);
    expect(progress).toEqual([5014]);
  });

  it('holds everything back until the first bytes look like an MP4, and writes nothing of a page that does not', () => {
    const disk = fakeDisk();
    const { w, released } = writer(disk.writeAt);
    w.write(Buffer.from('<!DO'));
    expect(() => w.write(Buffer.from('CTYPE html><html>'))).toThrow(expect.objectContaining({ kind: 'not-video' }));
    w.close();
    expect(disk.calls).toEqual([]);
    expect(released).toHaveLength(2);
  });

  it('a body shorter than an MP4 header is not a video', () => {
    const { w } = writer(fakeDisk().writeAt);
    w.write(Buffer.from([0, 0, 0]));
    expect(() => w.finish()).toThrow(expect.objectContaining({ kind: 'not-video' }));
  });

  it('reports a failed write as a disk error, counts nothing of it, and still gives the view back', () => {
    const { w, hashed, released } = writer(fakeDisk({ refuse: 'ENOSPC' }).writeAt);
    expect(() => w.write(mp4(4096))).toThrow(expect.objectContaining({ kind: 'disk' }));
    expect(w.written).toBe(0);
    expect(hashed).toEqual([]);
    expect(released).toHaveLength(1);
  });

  it("reports what onWritten threw as the caller's own error", () => {
    const disk = fakeDisk();
    const w = new PartWriter(handle, {
      position: 0,
      sniff: false,
      contentType: undefined,
      path: '/tmp/x.part',
      host: 'h',
      onWritten: () => {
        throw new Error('progress bar broke');
      },
      hash: () => undefined,
      release: () => undefined,
      writeAt: disk.writeAt,
    });
    expect(() => w.write(mp4(100))).toThrow('progress bar broke');
    expect(w.callbackError).toBeInstanceOf(Error);
    expect(w.written).toBe(100);
  });
});
