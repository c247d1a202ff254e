import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc64 } from '../api/crc64.js';
import { writeFileAtomic } from './atomic-file.js';
import type { VideoEncoder } from './video-encoder.js';
import { videoKey, type VideoSpec } from './video-spec.js';

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
    const file = join(this.dir, `${key}.mp4`);
    let bytes: Uint8Array | undefined = await readFile(file).catch(() => undefined);
    if (!bytes) {
      bytes = await this.encoder.encode(spec);
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(file, bytes);
    }
    const md5 = createHash('md5').update(bytes).digest('hex').toUpperCase();
    return { file, size: bytes.length, etag: `"${md5}"`, crc64: crc64(bytes) };
  }
}
