import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Crc64 } from '../crc64.js';
import { crc64Tables, crc64WasmModule, TABLE_BYTES } from './crc64-wasm.js';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';

/** Digests of the whole file, as the result reports them. */
export interface FileDigest {
  /** Lower-case hex. */
  sha256: string;
  /** CRC-64/XZ as an unsigned decimal string, comparable with `x-oss-hash-crc64ecma`. */
  crc64: string;
}

type Algorithm = keyof FileDigest;

/** How the digests are spread over workers. */
export type HashLayout = 'one-worker' | 'two-workers' | 'inline';

const BUFFER_BYTES = 4 << 20;

/**
 * Hashes a file that is being appended to, on worker threads: SHA-256 and CRC-64 together cost about
 * a core-second per GiB, and on the main thread they would halve the download rate. Call `advance`
 * as writes complete, `reset` after truncating or deleting, and `finish` once the file is whole.
 *
 * With four or more cores each digest gets its own worker (each reads the file); with fewer, one
 * worker computes both from a single read, because on two cores a third busy thread only adds
 * contention. If a worker cannot start or fails, `finish` hashes the file on the main thread with
 * `../crc64.ts` instead: slower, same answer.
 */
export class FileHasher {
  private lanes: Lane[] | undefined;

  constructor(
    private readonly path: string,
    private readonly layout: HashLayout = availableParallelism() >= 4 ? 'two-workers' : 'one-worker',
  ) {}

  /** Bytes [0, upTo) of the file are written and will not change. */
  advance(upTo: number): void {
    for (const lane of this.start()) lane.post({ op: 'advance', upTo });
  }

  /** The file was truncated or deleted: start over from byte 0 of whatever is at the path next. */
  reset(): void {
    for (const lane of this.lanes ?? []) lane.post({ op: 'reset' });
  }

  /** Digests of exactly the first `length` bytes. Rejects only when the file cannot be read. */
  async finish(length: number): Promise<FileDigest & { inline: boolean }> {
    const lanes = this.start();
    if (lanes.length > 0) {
      const parts = await Promise.all(lanes.map((lane) => lane.finish(length).catch(() => undefined)));
      const merged = Object.assign({}, ...parts) as Partial<FileDigest>;
      if (!parts.includes(undefined) && merged.sha256 !== undefined && merged.crc64 !== undefined) {
        return { sha256: merged.sha256, crc64: merged.crc64, inline: false };
      }
    }
    return { ...(await hashFile(this.path, length)), inline: true };
  }

  async close(): Promise<void> {
    await Promise.all((this.lanes ?? []).map((lane) => lane.close()));
    this.lanes = undefined;
  }

  /** Workers start on first use, so a download that fails before any byte costs no thread. */
  private start(): Lane[] {
    if (this.layout === 'inline') return [];
    this.lanes ??=
      this.layout === 'two-workers'
        ? [new Lane(['sha256'], this.path), new Lane(['crc64'], this.path)]
        : [new Lane(['sha256', 'crc64'], this.path)];
    return this.lanes;
  }
}

/** Both digests of the first `length` bytes of a file, on this thread, with `../crc64.ts`. */
export async function hashFile(path: string, length: number): Promise<FileDigest> {
  const sha = createHash('sha256');
  const crc = new Crc64();
  const fh = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    for (let position = 0; position < length; ) {
      const { bytesRead } = await fh.read(buffer, 0, Math.min(BUFFER_BYTES, length - position), position);
      if (bytesRead === 0) throw new Error(`${path} holds ${position} bytes, fewer than the ${length} expected`);
      const chunk = buffer.subarray(0, bytesRead);
      sha.update(chunk);
      crc.update(chunk);
      position += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { sha256: sha.digest('hex'), crc64: crc.digest() };
}

type LaneMessage = { op: 'advance'; upTo: number } | { op: 'reset' } | { op: 'finish'; length: number };
type LaneReply = { op: 'digest'; value: Partial<FileDigest> } | { op: 'error'; message: string };

/** One worker computing some digests; `failed` once anything goes wrong, after which it is ignored. */
class Lane {
  private worker: Worker | undefined;
  private failed: Error | undefined;
  private pending: { resolve(value: Partial<FileDigest>): void; reject(err: Error): void } | undefined;

  constructor(algorithms: Algorithm[], path: string) {
    try {
      const workerData = {
        path,
        algorithms,
        bufferBytes: BUFFER_BYTES,
        ...(algorithms.includes('crc64') ? { wasm: wasmModule(), tables: tables(), tableBytes: TABLE_BYTES } : {}),
      };
      this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, workerData });
      // A hasher someone forgot to close must not keep the process alive.
      this.worker.unref();
      this.worker.on('message', (reply: LaneReply) => {
        if (reply.op === 'digest') this.settle(undefined, reply.value);
        else this.fail(new Error(reply.message));
      });
      this.worker.on('error', (err) => this.fail(err));
      this.worker.on('exit', () => this.fail(new Error('hash worker exited')));
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
    }
  }

  post(message: LaneMessage): void {
    if (!this.failed) this.worker?.postMessage(message);
  }

  finish(length: number): Promise<Partial<FileDigest>> {
    if (this.failed || !this.worker) return Promise.reject(this.failed ?? new Error('no hash worker'));
    const worker = this.worker;
    // Unref'd so a forgotten hasher cannot keep the process alive, but while we wait for the digest
    // the worker may be the only thing left running: without a ref Node would exit mid-await.
    worker.ref();
    return new Promise<Partial<FileDigest>>((resolve, reject) => {
      this.pending = { resolve, reject };
      worker.postMessage({ op: 'finish', length } satisfies LaneMessage);
    }).finally(() => worker.unref());
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('hasher closed'));
    await worker?.terminate();
  }

  private fail(err: Error): void {
    this.failed ??= err;
    this.settle(err);
  }

  private settle(err: Error | undefined, value?: Partial<FileDigest>): void {
    const pending = this.pending;
    this.pending = undefined;
    if (err) pending?.reject(err);
    else pending?.resolve(value!);
  }
}

// Built once per process: constant bytes, copied into each worker.
let wasmBytes: Uint8Array | undefined;
let tableBytes: Uint8Array | undefined;
const wasmModule = () => (wasmBytes ??= crc64WasmModule(BUFFER_BYTES));
const tables = () => (tableBytes ??= crc64Tables());
