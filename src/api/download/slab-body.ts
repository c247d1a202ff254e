/** Bytes in one slab; a write of this size is large enough to cost little per byte. */
export const SLAB_BYTES = 1 << 20;

/** Slabs before the producer is asked to pause: memory stays at about this many MiB at any file size. */
export const MAX_SLABS = 4;

/** A waiting consumer takes what has arrived once it is this much, or after BATCH_DELAY_MS; also the largest read expected. */
const MIN_PIECE_BYTES = 256 * 1024;

/** So that progress and the `.part` keep up on a slow link. */
const BATCH_DELAY_MS = 100;

/**
 * A response body between the socket and the file: bytes land, the moment they arrive, in a few
 * reused 1 MiB slabs, and are handed to the consumer as views of them. Nothing is allocated per
 * read, so memory does not grow with the download and the garbage collector has nothing to chase
 * (undici's fresh buffer per socket read cost about 70 MB of peak RSS on a 1 GiB download); and
 * every received byte is kept even when the connection then fails: the consumer gets all of it
 * before the failure.
 *
 * A plain TCP socket can read straight into the slabs (`readTarget`, then `keep`): no copy at all.
 * The producer calls `push` (false: pause until `onResume` fires), then `end` or `fail`. The
 * consumer iterates and calls `release(view)` once a view is written; `return()` (leaving a
 * `for await` early) or `cancel()` stops the producer through `onCancel`.
 */
export class SlabBody implements AsyncIterableIterator<Buffer> {
  /** Called when the consumer has made room after `push` returned false. */
  onResume: (() => void) | undefined;
  /** Called once when the consumer gives up on the body: stop receiving. */
  onCancel: (() => void) | undefined;

  private free: Buffer[] = [];
  /** Every slab so far (at most MAX_SLABS, and one more only if a producer ignored a pause). */
  private all: Buffer[] = [];
  private current: Buffer | undefined;
  /** Bytes of `current` filled, and the first of them not yet handed out. */
  private filled = 0;
  private handed = 0;
  /** Views not yet handed out, oldest first (from slabs that filled up). */
  private ready: Buffer[] = [];
  /** Handed-out views per slab still to be released. */
  private inUse = new Map<Buffer, number>();
  private paused = false;
  private ended = false;
  private failure: unknown;
  private cancelled = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerFired = false;
  /** What the last `readTarget` returned, while it is a free part of `current`, and the body bytes kept in it. */
  private target: Buffer | undefined;
  private kept = 0;
  /** Read into while no slab has room (the socket is paused then); its bytes are copied in by `push`. */
  private spare: Buffer | undefined;

  /** Hand-overs from the slab being filled end on a multiple of this (the last one excepted). */
  private align = 1;

  /** `memory`: slabs to use before allocating any (RunningDigest's, which it checks in place). */
  constructor(private readonly memory: readonly Buffer[] = []) {}

  /**
   * From now on, views end on a multiple of `block` bytes from their slab's start, except the
   * body's last: for a file opened with O_DIRECT, where every write must be whole blocks.
   */
  alignTo(block: number): void {
    this.align = block;
  }

  /**
   * Where a socket should read next (Node's `onread.buffer` as a function): the free part of the
   * current slab, or of the next one. Node asks for it after every read, even one that pauses.
   */
  readTarget(): Buffer {
    // Moving on only from a full slab keeps every slab but the last exactly SLAB_BYTES long, so
    // slab boundaries fall on block boundaries of the file (see `alignTo`).
    if (this.current === undefined || this.filled === this.current.length) {
      if (this.free.length === 0 && this.all.length >= MAX_SLABS) {
        this.target = undefined;
        return (this.spare ??= Buffer.allocUnsafeSlow(MIN_PIECE_BYTES));
      }
      this.nextSlab();
    }
    this.target = this.current!.subarray(this.filled);
    this.kept = 0;
    return this.target;
  }

  /**
   * Body bytes `buffer[start, end)` arrived. When `buffer` is the last `readTarget()`, they are
   * already in their slab and stay there (moved down over any framing bytes read before them);
   * otherwise they are copied in. Returns false when the producer should pause.
   */
  keep(buffer: Uint8Array, start: number, end: number): boolean {
    if (buffer !== this.target || this.cancelled || this.ended) return this.push(buffer, start, end);
    if (start !== this.kept) this.target.copyWithin(this.kept, start, end);
    this.kept += end - start;
    this.filled += end - start;
    return this.arrived();
  }

  /** Copies `bytes[start, end)` in. Returns false when the producer should pause. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.cancelled || this.ended) return false;
    this.target = undefined; // its free space is being filled by copies now
    while (start < end) {
      if (this.current === undefined || this.filled === this.current.length) this.nextSlab();
      const n = Math.min(end - start, this.current!.length - this.filled);
      this.current!.set(bytes.subarray(start, start + n), this.filled);
      this.filled += n;
      start += n;
    }
    return this.arrived();
  }

  /** After bytes arrived: wake the consumer if there is enough to take, and say whether to pause. */
  private arrived(): boolean {
    if (this.wake && (this.ready.length > 0 || this.filled - this.handed >= MIN_PIECE_BYTES)) this.notify();
    else if (this.wake && this.timer === undefined) this.startTimer();
    // Paused while the next read might not fit: a producer that ignores it costs an extra slab, never bytes.
    const room = this.current === undefined ? 0 : this.current.length - this.filled;
    this.paused = this.free.length === 0 && this.all.length >= MAX_SLABS && room < MIN_PIECE_BYTES;
    return !this.paused;
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.failure = err;
    this.ended = true;
    this.notify();
  }

  /** A view handed out by `next` is written: its slab may be reused. */
  release(view: Buffer): void {
    const slab = this.slabOf(view);
    if (!slab) return;
    const count = (this.inUse.get(slab) ?? 1) - 1;
    if (count > 0) {
      this.inUse.set(slab, count);
      return;
    }
    this.inUse.delete(slab);
    if (slab !== this.current) this.free.push(slab);
    if (this.paused && this.free.length > 0) {
      this.paused = false;
      this.onResume?.();
    }
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const view = this.take();
      if (view) return { value: view, done: false };
      if (this.ended) {
        this.clearTimer();
        if (this.failure !== undefined) {
          const err = this.failure;
          this.failure = undefined;
          throw err;
        }
        return { value: undefined, done: true };
      }
      if (this.filled > this.handed) this.startTimer();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<Buffer>> {
    this.cancel();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  /** Stops the producer and drops what it sent. */
  cancel(): void {
    this.clearTimer();
    if (this.cancelled) return;
    this.cancelled = true;
    this.ready = [];
    this.handed = this.filled; // the bytes of the slab being filled are dropped too
    if (!this.ended) this.onCancel?.();
    this.ended = true;
    this.notify(); // a consumer waiting in next() is done
  }

  /** The whole body as text, at most `limit` bytes of it (error pages), then stops the producer. */
  async text(limit = 64 * 1024): Promise<string> {
    const pieces: Buffer[] = [];
    let size = 0;
    try {
      while (size < limit) {
        const r = await this.next();
        if (r.done) break;
        pieces.push(Buffer.from(r.value));
        size += r.value.length;
        this.release(r.value);
      }
    } catch {
      // A cut error body is still an error; go with what arrived.
    }
    this.cancel();
    return Buffer.concat(pieces).subarray(0, limit).toString('utf8');
  }

  /** The next view to hand out: a full slab's rest, or enough (or old enough) bytes of the current one. */
  private take(): Buffer | undefined {
    // Views in `ready` were counted in `inUse` when they were queued.
    let view = this.ready.shift();
    const upTo = this.ended ? this.filled : this.filled - (this.filled % this.align);
    if (
      !view &&
      this.current &&
      upTo > this.handed &&
      (this.ended || this.timerFired || upTo - this.handed >= MIN_PIECE_BYTES)
    ) {
      view = this.current.subarray(this.handed, upTo);
      this.handed = upTo;
      this.inUse.set(this.current, (this.inUse.get(this.current) ?? 0) + 1);
    }
    if (view) this.clearTimer();
    return view;
  }

  /** Moves on from a full (or no) current slab, queueing what of it was not handed out. */
  private nextSlab(): void {
    const old = this.current;
    if (old) {
      if (this.filled > this.handed) {
        this.ready.push(old.subarray(this.handed, this.filled));
        // Counted now, so the slab is not freed while the view waits in `ready`.
        this.inUse.set(old, (this.inUse.get(old) ?? 0) + 1);
      }
      if (!this.inUse.has(old)) this.free.push(old);
    }
    // Beyond MAX_SLABS only when a producer ignored a pause: bytes are never dropped.
    this.current = this.free.pop() ?? this.allocate();
    this.filled = 0;
    this.handed = 0;
  }

  private allocate(): Buffer {
    const slab = this.memory[this.all.length] ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.all.push(slab);
    return slab;
  }

  /** The slab a handed-out view lies in. */
  private slabOf(view: Buffer): Buffer | undefined {
    return this.all.find(
      (slab) =>
        slab.buffer === view.buffer &&
        view.byteOffset >= slab.byteOffset &&
        view.byteOffset < slab.byteOffset + slab.length,
    );
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timerFired = false;
    this.timer = setTimeout(() => {
      this.timerFired = true;
      this.timer = undefined;
      this.notify();
    }, BATCH_DELAY_MS);
    this.timer.unref();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerFired = false;
  }
}
