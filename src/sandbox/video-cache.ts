import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Crc64, crc64 } from '../api/crc64.js';
import { writeFileAtomic } from './atomic-file.js';
import type { MediaStore } from './media-store.js';
import type { VideoEncoder } from './video-encoder.js';
import { type VideoSpec, videoKey } from './video-spec.js';

/** A video on disk and the headers OSS would send for it. */
export interface CachedVideo {
  file: string;
  size: number;
  /** Quoted upper-case hex MD5, the ETag OSS gives simply-uploaded objects. */
  etag: string;
  /** CRC-64/ECMA of the whole object as OSS sends it in `x-oss-hash-crc64ecma`. */
  crc64: string;
}

/**
 * Generated MP4s cached on disk by a hash of their parameters, so the same task parameters never
 * encode twice, across restarts and across processes sharing the directory (files appear atomically).
 * Concurrent requests for one video share one encode.
 */
export class VideoCache {
  private readonly entries = new Map<string, Promise<CachedVideo>>();

  constructor(
    private readonly dir: string,
    private readonly encoder: VideoEncoder,
    /** Pad each video to this many bytes (see SandboxOptions.videoBytes). */
    private readonly padTo?: number,
    /** Where the input images that specs' stills name are kept. */
    private readonly media?: MediaStore,
  ) {}

  get(spec: VideoSpec): Promise<CachedVideo> {
    const key = videoKey(spec);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.load(key, spec);
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }

  /** Forget what we know about a video (its file vanished, e.g. a temp-dir cleaner removed it). */
  forget(spec: VideoSpec): void {
    this.entries.delete(videoKey(spec));
  }

  private async load(key: string, spec: VideoSpec): Promise<CachedVideo> {
    if (this.padTo !== undefined) return this.loadPadded(key, spec, this.padTo);
    const file = join(this.dir, `${key}.mp4`);
    let bytes: Uint8Array | undefined = await readFile(file).catch(() => undefined);
    if (!bytes) {
      bytes = await this.encode(spec);
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(file, bytes);
    }
    const md5 = createHash('md5').update(bytes).digest('hex').toUpperCase();
    return { file, size: bytes.length, etag: `"${md5}"`, crc64: crc64(bytes) };
  }

  private async encode(spec: VideoSpec): Promise<Uint8Array> {
    if (spec.stills && !this.media) throw new Error('this video cache has no media store for the input images');
    return this.encoder.encode(spec, this.media ? await this.media.inputsFor(spec.stills) : {});
  }

  /**
   * The video followed by a `free` box up to `padTo` bytes: still a valid, playable MP4 (ISO/IEC
   * 14496-12 §8.1.2: readers skip free space), as big as a benchmark of downloads needs. Written and
   * hashed a MiB at a time, never held in memory.
   */
  private async loadPadded(key: string, spec: VideoSpec, padTo: number): Promise<CachedVideo> {
    const file = join(this.dir, `${key}-${padTo}.mp4`);
    const existing = await open(file, 'r').catch(() => undefined);
    if (existing) {
      try {
        const { size } = await existing.stat();
        if (size === padTo) return { file, size, ...(await hashStream(readChunks(existing, size))) };
      } finally {
        await existing.close();
      }
    }
    const video = await this.encode(spec);
    if (padTo < video.length + 16)
      throw new Error(`videoBytes ${padTo} is smaller than the video (${video.length} bytes) and a free box`);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      const digest = await hashStream(writeChunks(fh, paddedChunks(video, padTo)));
      await fh.close();
      await rename(tmp, file);
      return { file, size: padTo, ...digest };
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

const CHUNK = 1 << 20;

/** The video, a `free` box header for the rest (64-bit size when it needs one), then zeros. */
function* paddedChunks(video: Uint8Array, padTo: number): Generator<Uint8Array> {
  const free = padTo - video.length;
  const header = Buffer.alloc(free < 2 ** 32 ? 8 : 16);
  if (header.length === 8) header.writeUInt32BE(free, 0);
  else {
    header.writeUInt32BE(1, 0);
    header.writeBigUInt64BE(BigInt(free), 8);
  }
  header.write('free', 4, 'latin1');
  yield video;
  yield header;
  const zeros = new Uint8Array(CHUNK);
  for (let left = free - header.length; left > 0; left -= CHUNK) yield zeros.subarray(0, Math.min(CHUNK, left));
}

async function* writeChunks(
  fh: Awaited<ReturnType<typeof open>>,
  chunks: Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await fh.write(chunk);
    yield chunk;
  }
}

async function* readChunks(fh: Awaited<ReturnType<typeof open>>, size: number): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let position = 0; position < size; ) {
    const { bytesRead } = await fh.read(buffer, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) throw new Error('the cached video got shorter while being read');
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** OSS's ETag (MD5) and CRC-64 of a stream of chunks. */
async function hashStream(chunks: AsyncIterable<Uint8Array>): Promise<{ etag: string; crc64: string }> {
  const md5 = createHash('md5');
  const crc = new Crc64();
  for await (const chunk of chunks) {
    md5.update(chunk);
    crc.update(chunk);
  }
  return { etag: `"${md5.digest('hex').toUpperCase()}"`, crc64: crc.digest() };
}
