import { afterEach, describe, expect, it, vi } from 'vitest';
import { SLAB_BYTES, SlabBody } from '../../../src/api/download/slab-body.js';

const MiB = 1024 * 1024;

/** Deterministic bytes (xorshift32), so a misplaced byte cannot go unnoticed. */
function pattern(size: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const ODD_SIZES = [1, 7, 4093, 65_537, 262_143, 262_145, 999_999, 1_048_577, 3, 300_001, 2 * MiB + 1, 17];

/**
 * Pushes `source` in pieces of ODD_SIZES through a scratch buffer that is wiped after each push
 * (SlabBody must copy), honouring back-pressure unless `ignorePause`.
 */
async function produce(
  body: SlabBody,
  source: Buffer,
  options: { ignorePause?: boolean } = {},
): Promise<{ pauses: number }> {
  const scratch = Buffer.alloc(3 * MiB);
  let offset = 0;
  let pauses = 0;
  for (let i = 0; offset < source.length; i++) {
    const n = Math.min(ODD_SIZES[i % ODD_SIZES.length]!, source.length - offset);
    source.copy(scratch, 5, offset, offset + n);
    const ok = body.push(scratch, 5, 5 + n);
    scratch.fill(0xee, 0, n + 10);
    offset += n;
    if (!ok && !options.ignorePause) {
      pauses++;
      await new Promise<void>((resolve) => (body.onResume = resolve));
    } else if (i % 3 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  body.end();
  return { pauses };
}

/** Copies every view into one buffer, releasing each at once; records the slabs seen. */
async function consume(body: SlabBody, size: number, { slow = false } = {}) {
  const out = Buffer.alloc(size);
  const slabs = new Set<ArrayBufferLike>();
  let at = 0;
  let views = 0;
  for await (const view of body) {
    slabs.add(view.buffer);
    expect(view.length).toBeGreaterThan(0);
    expect(view.length).toBeLessThanOrEqual(SLAB_BYTES);
    view.copy(out, at);
    at += view.length;
    views++;
    if (slow) await new Promise((resolve) => setImmediate(resolve));
    body.release(view);
  }
  return { out: out.subarray(0, at), bytes: at, slabs, views };
}

afterEach(() => {
  vi.useRealTimers();
});

/** Takes and releases every view of what was pushed so far (fake timers: the 100 ms batching is skipped over). */
async function drain(body: SlabBody, each: (view: Buffer) => void): Promise<void> {
  const internals = body as unknown as { ready: Buffer[]; filled: number; handed: number };
  while (internals.ready.length > 0 || internals.filled > internals.handed) {
    const pending = body.next();
    await vi.advanceTimersByTimeAsync(100);
    const { value } = await pending;
    each(value!);
    body.release(value!);
  }
}

describe('SlabBody: content and memory', () => {
  it('keeps order and content across many pushes of odd sizes, reusing a few slabs for 20 MiB', async () => {
    const source = pattern(20 * MiB);
    const body = new SlabBody();
    const [, got] = await Promise.all([produce(body, source), consume(body, source.length)]);
    expect(got.bytes).toBe(source.length);
    expect(got.out.equals(source)).toBe(true);
    expect(got.slabs.size).toBeLessThanOrEqual(5);
  });

  it('keeps order and content with a slow consumer', async () => {
    const source = pattern(9 * MiB + 12_345, 7);
    const body = new SlabBody();
    const [{ pauses }, got] = await Promise.all([produce(body, source), consume(body, source.length, { slow: true })]);
    expect(got.out.equals(source)).toBe(true);
    expect(pauses).toBeGreaterThan(0);
    expect(got.slabs.size).toBeLessThanOrEqual(5);
  });

  it('never drops bytes from a producer that ignores the pause (it costs slabs instead)', async () => {
    const source = pattern(7 * MiB + 3, 3);
    const body = new SlabBody();
    await produce(body, source, { ignorePause: true }); // nobody reads meanwhile
    const got = await consume(body, source.length);
    expect(got.out.equals(source)).toBe(true);
    expect(got.slabs.size).toBe(8);
  });

  it('never reuses a slab while a view of it is held, and reuses it once released', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    body.push(Buffer.alloc(1000, 0x41));
    const first = body.next();
    await vi.advanceTimersByTimeAsync(100);
    const held: Buffer = (await first).value;
    expect(held.length).toBe(1000);

    // Far more than the slabs there are, in rounds, releasing everything but `held`.
    const seen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 12; round++) {
      body.push(Buffer.alloc(MiB, 0x42 + round));
      await drain(body, (view) => {
        seen.add(view.buffer);
        if (view.buffer !== held.buffer) expect(view.every((b) => b === view[0] && b !== 0x41)).toBe(true);
      });
      expect(held.every((b) => b === 0x41)).toBe(true);
    }
    expect(seen.size).toBeLessThanOrEqual(5);

    body.release(held);
    body.push(Buffer.alloc(MiB, 0x60));
    body.end();
    const after: ArrayBufferLike[] = [];
    for await (const view of body) {
      after.push(view.buffer);
      body.release(view);
    }
    expect(after).toContain(held.buffer); // freed, and the next slab to be filled
  });

  it('counts views of one slab: releasing one of two does not free it', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    body.push(Buffer.alloc(10, 1));
    let pending = body.next();
    await vi.advanceTimersByTimeAsync(100);
    const a: Buffer = (await pending).value;
    body.push(Buffer.alloc(20, 2));
    pending = body.next();
    await vi.advanceTimersByTimeAsync(100);
    const b: Buffer = (await pending).value;
    expect(a.buffer).toBe(b.buffer);
    expect([a.length, b.length]).toEqual([10, 20]);

    body.release(a);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) body.push(Buffer.alloc(MiB, 3 + round));
      await drain(body, (view) => {
        if (round > 0) expect(view.buffer).not.toBe(b.buffer);
      });
    }
    expect(b.every((x) => x === 2)).toBe(true);
    body.release(b);
  });
});

describe('SlabBody: back-pressure', () => {
  it('asks the producer to pause once four slabs are full, and resumes it when a slab is released', async () => {
    const body = new SlabBody();
    const onResume = vi.fn();
    body.onResume = onResume;
    const results = [1, 2, 3, 4].map(() => body.push(Buffer.alloc(MiB)));
    expect(results).toEqual([true, true, true, false]);
    expect(onResume).not.toHaveBeenCalled();

    const { value } = await body.next();
    expect(value!.length).toBe(MiB);
    expect(onResume).not.toHaveBeenCalled();
    body.release(value!);
    expect(onResume).toHaveBeenCalledTimes(1);

    // The freed slab takes the next push without a new allocation.
    expect(body.push(Buffer.alloc(100))).toBe(true);
    // @ts-expect-error private
    expect(body.all.length).toBe(4);
  });

  it('pauses while the current slab has less room than one read', () => {
    const body = new SlabBody();
    for (let i = 0; i < 3; i++) expect(body.push(Buffer.alloc(MiB))).toBe(true);
    expect(body.push(Buffer.alloc(MiB - 256 * 1024))).toBe(true); // exactly one read's room left
    expect(body.push(Buffer.alloc(1))).toBe(false);
  });

  it('does not resume on releasing a view of the slab being filled', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    const onResume = vi.fn();
    body.onResume = onResume;
    for (let i = 0; i < 3; i++) body.push(Buffer.alloc(MiB));
    expect(body.push(Buffer.alloc(MiB - 1000))).toBe(false);
    const views: Buffer[] = [];
    for (let i = 0; i < 4; i++) views.push((await body.next()).value!);
    expect(views.map((v) => v.length)).toEqual([MiB, MiB, MiB, MiB - 1000]);
    body.release(views[3]!); // the current slab: nothing to reuse yet
    expect(onResume).not.toHaveBeenCalled();
    body.release(views[0]!);
    expect(onResume).toHaveBeenCalledTimes(1);
    body.release(views[1]!);
    expect(onResume).toHaveBeenCalledTimes(1); // only once per pause
  });
});

describe('SlabBody: handing over partial slabs', () => {
  it('hands a waiting consumer a small piece after 100 ms, not before', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    let got: Buffer | undefined;
    void body.next().then((r) => (got = r.value));
    body.push(Buffer.from('abc'));
    await vi.advanceTimersByTimeAsync(99);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(got?.toString()).toBe('abc');
  });

  it('starts the 100 ms when a consumer asks for bytes that arrived earlier', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    body.push(Buffer.from('early'));
    await vi.advanceTimersByTimeAsync(500);
    let got: Buffer | undefined;
    void body.next().then((r) => (got = r.value));
    await vi.advanceTimersByTimeAsync(99);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(got?.toString()).toBe('early');
  });

  it('gathers small pushes into one piece', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    const pending = body.next();
    for (const word of ['a', 'bb', 'ccc']) {
      body.push(Buffer.from(word));
      await vi.advanceTimersByTimeAsync(30);
    }
    await vi.advanceTimersByTimeAsync(10);
    expect((await pending).value!.toString()).toBe('abbccc');
  });

  it('hands 256 KiB over at once', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    let got: Buffer | undefined;
    void body.next().then((r) => (got = r.value));
    body.push(Buffer.alloc(256 * 1024 - 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toBeUndefined();
    body.push(Buffer.alloc(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(got?.length).toBe(256 * 1024);
  });

  it('hands the rest of a full slab over at once, then the remainder at end()', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    body.push(pattern(MiB + 10));
    const first = await body.next();
    expect(first.value!.length).toBe(MiB);
    let second: IteratorResult<Buffer> | undefined;
    void body.next().then((r) => (second = r));
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBeUndefined();
    body.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(second!.value!.equals(pattern(MiB + 10).subarray(MiB))).toBe(true);
    expect(await body.next()).toEqual({ value: undefined, done: true });
  });

  it('ends at once with nothing pushed, and push after end is refused', async () => {
    const body = new SlabBody();
    body.end();
    expect(await body.next()).toEqual({ value: undefined, done: true });
    expect(body.push(Buffer.from('late'))).toBe(false);
    expect(await body.next()).toEqual({ value: undefined, done: true });
  });
});

describe('SlabBody: failure and cancellation', () => {
  it('delivers every byte pushed before fail(), then throws the error once', async () => {
    const body = new SlabBody();
    const source = pattern(MiB + 777);
    body.push(source.subarray(0, 5));
    body.push(source, 5);
    const boom = Object.assign(new Error('socket hang up'), { code: 'WAN_BODY_CLOSED' });
    body.fail(boom);
    body.fail(new Error('second failure is ignored'));
    body.end();

    const pieces: Buffer[] = [];
    let thrown: unknown;
    try {
      for (let r = await body.next(); !r.done; r = await body.next()) {
        pieces.push(Buffer.from(r.value));
        body.release(r.value);
      }
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe(boom);
    expect(Buffer.concat(pieces).equals(source)).toBe(true);
    expect(await body.next()).toEqual({ value: undefined, done: true });
  });

  it('wakes a waiting consumer on fail()', async () => {
    const body = new SlabBody();
    const pending = body.next();
    body.fail(new Error('reset'));
    await expect(pending).rejects.toThrow('reset');
  });

  it('ignores fail() after end()', async () => {
    const body = new SlabBody();
    body.push(Buffer.from('x'));
    body.end();
    body.fail(new Error('too late'));
    expect((await body.next()).value!.toString()).toBe('x');
    expect((await body.next()).done).toBe(true);
  });

  it('calls onCancel once, however often it is cancelled, and refuses pushes after', async () => {
    const body = new SlabBody();
    const onCancel = vi.fn();
    body.onCancel = onCancel;
    body.push(Buffer.alloc(2 * MiB));
    body.cancel();
    body.cancel();
    await body.return();
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(body.push(Buffer.from('more'))).toBe(false);
  });

  // cancel() used to drop the views queued in `ready` but not the unhanded bytes of the slab being
  // filled, so next() after cancel() still yielded them (here the second MiB).
  it('next() after cancel() is done, without the bytes it dropped', async () => {
    const body = new SlabBody();
    body.push(Buffer.alloc(2 * MiB));
    body.cancel();
    const r = await body.next();
    expect(r.value?.length).toBeUndefined();
    expect(r.done).toBe(true);
  });

  it('calls onCancel when a for-await loop is left early', async () => {
    const body = new SlabBody();
    const onCancel = vi.fn();
    body.onCancel = onCancel;
    body.push(Buffer.alloc(3 * MiB));
    for await (const view of body) {
      body.release(view);
      break;
    }
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('does not call onCancel when the body had already ended or failed', () => {
    for (const close of [(b: SlabBody) => b.end(), (b: SlabBody) => b.fail(new Error('x'))]) {
      const body = new SlabBody();
      const onCancel = vi.fn();
      body.onCancel = onCancel;
      close(body);
      body.cancel();
      expect(onCancel).not.toHaveBeenCalled();
    }
  });

  it('clears its timer on cancel (nothing fires later)', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    void body.next();
    body.push(Buffer.from('abc'));
    expect(vi.getTimerCount()).toBe(1);
    body.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  // cancel() used to mark the body ended without waking a consumer already waiting in next(), which
  // then never settled.
  it('a consumer waiting in next() when the body is cancelled is told it is done', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    let result: IteratorResult<Buffer> | undefined;
    void body.next().then((r) => (result = r));
    body.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(result).toEqual({ value: undefined, done: true });
  });
});

describe('SlabBody: text()', () => {
  it('returns the whole body as UTF-8 and stops the producer', async () => {
    const body = new SlabBody();
    const onCancel = vi.fn();
    body.onCancel = onCancel;
    body.push(Buffer.from('<Error><Code>NoSuchKey</Code>'));
    body.push(Buffer.from('<Message>ключ</Message></Error>'));
    body.end();
    expect(await body.text()).toBe('<Error><Code>NoSuchKey</Code><Message>ключ</Message></Error>');
    expect(onCancel).not.toHaveBeenCalled(); // it had ended
  });

  it('returns at most `limit` bytes', async () => {
    const body = new SlabBody();
    body.push(Buffer.from('0123456789'));
    body.end();
    expect(await body.text(4)).toBe('0123');
  });

  it('stops a long body at the limit (64 KiB by default) and cancels the producer', async () => {
    const body = new SlabBody();
    const onCancel = vi.fn();
    body.onCancel = onCancel;
    body.push(Buffer.alloc(3 * MiB, 0x61)); // full slabs are handed over at once
    const text = await body.text();
    expect(text).toBe('a'.repeat(64 * 1024));
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('returns what arrived when the body fails', async () => {
    const body = new SlabBody();
    body.push(Buffer.from('<Error>cut'));
    body.fail(new Error('reset'));
    expect(await body.text()).toBe('<Error>cut');
  });

  // text() asks for one more piece after reaching the limit before it stops, so with a producer
  // that has nothing more to send yet it waits (until more bytes, the end, or a failure).
  it('resolves once `limit` bytes have arrived, without waiting for more', async () => {
    vi.useFakeTimers();
    const body = new SlabBody();
    body.push(Buffer.from('0123456789'));
    let text: string | undefined;
    void body.text(5).then((t) => (text = t));
    await vi.advanceTimersByTimeAsync(1000);
    expect(text).toBe('01234');
  });
});

describe('SlabBody: reading in place (readTarget + keep)', () => {
  /** Reads `wire` as a socket would: each read lands in readTarget(); `frame` says which bytes are body. */
  async function readInPlace(
    body: SlabBody,
    wire: Buffer,
    readSize: number,
    frame: (at: number, n: number) => [number, number][],
  ): Promise<void> {
    let target = body.readTarget();
    for (let at = 0; at < wire.length; ) {
      const n = Math.min(readSize, target.length, wire.length - at);
      wire.copy(target, 0, at, at + n);
      let ok = true;
      for (const [s, e] of frame(at, n)) ok = body.keep(target, s, e) && ok;
      at += n;
      target = body.readTarget(); // Node asks after every read, paused or not
      if (!ok) await new Promise<void>((resolve) => (body.onResume = resolve));
    }
    body.end();
  }

  async function drain(body: SlabBody, delay = 0): Promise<{ data: Buffer; buffers: Set<ArrayBufferLike> }> {
    const pieces: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const view of body) {
      pieces.push(Buffer.from(view));
      buffers.add(view.buffer);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      body.release(view);
    }
    return { data: Buffer.concat(pieces), buffers };
  }

  it('keeps body bytes where the socket put them: the views are the slabs the reads went into', async () => {
    const body = new SlabBody();
    const source = pattern(5 * MiB + 333);
    const seen = new Set<ArrayBufferLike>();
    const original = body.readTarget.bind(body);
    body.readTarget = () => {
      const target = original();
      seen.add(target.buffer);
      return target;
    };
    const [, out] = await Promise.all([readInPlace(body, source, 200_000, (_at, n) => [[0, n]]), drain(body)]);
    expect(out.data.equals(source)).toBe(true);
    for (const buffer of out.buffers) expect(seen.has(buffer)).toBe(true);
    expect(out.buffers.size).toBeLessThanOrEqual(5);
  });

  it('moves body bytes down over framing bytes read before them (a head, chunk sizes)', async () => {
    const body = new SlabBody();
    const payload = pattern(3 * MiB + 7);
    // Every read carries 10 framing bytes, then body bytes.
    const wire = Buffer.concat(
      Array.from({ length: Math.ceil(payload.length / 50_000) }, (_, i) =>
        Buffer.concat([Buffer.alloc(10, 0xaa), payload.subarray(i * 50_000, (i + 1) * 50_000)]),
      ),
    );
    // The body bytes of a read of wire[at, at + n), as ranges of the read.
    const frame = (at: number, n: number): [number, number][] => {
      const ranges: [number, number][] = [];
      for (let p = at; p < at + n; ) {
        const inRecord = p % 50_010;
        const recordEnd = p - inRecord + 50_010;
        const start = inRecord < 10 ? p - inRecord + 10 : p;
        const end = Math.min(recordEnd, at + n);
        if (start < end) ranges.push([start - at, end - at]);
        p = recordEnd;
      }
      return ranges;
    };
    const [, out] = await Promise.all([readInPlace(body, wire, 50_010, frame), drain(body)]);
    expect(out.data.equals(payload)).toBe(true);
  });

  it('with every slab taken, offers a spare buffer whose bytes are copied in later, and loses none', async () => {
    const body = new SlabBody();
    const source = pattern(12 * MiB + 5);
    const [, out] = await Promise.all([readInPlace(body, source, 256 * 1024, (_at, n) => [[0, n]]), drain(body, 2)]);
    expect(out.data.equals(source)).toBe(true);
    expect(out.buffers.size).toBeLessThanOrEqual(6);
  });
});

describe('SlabBody: slabs in given memory', () => {
  it('uses the memory it was given before allocating any', async () => {
    const arena = new ArrayBuffer(4 * MiB);
    const memory = [0, 1, 2, 3].map((i) => Buffer.from(arena, i * MiB, MiB));
    const body = new SlabBody(memory);
    const source = pattern(3 * MiB + 5);
    body.push(source);
    body.end();
    const pieces: Buffer[] = [];
    for await (const view of body) {
      expect(view.buffer).toBe(arena);
      pieces.push(Buffer.from(view));
      body.release(view);
    }
    expect(Buffer.concat(pieces).equals(source)).toBe(true);
  });
});
