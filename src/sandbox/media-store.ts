import { createHash } from 'node:crypto';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { stillHashes, type VideoInputs, type VideoStills } from './video-spec.js';

/**
 * The input images of tasks, kept by the SHA-256 of their bytes until their videos are painted: a
 * video is rendered when first downloaded, maybe by another process sharing the state dir, so the
 * task record names its images by hash (tasks.json stays small) and the files live here, in memory,
 * or under `<stateDir>/media` so every process finds them. The same image sent twice is kept once.
 */
export class MediaStore {
  private readonly memory = new Map<string, { bytes: Uint8Array; storedAt: number }>();

  constructor(
    private readonly dir: string | undefined,
    /**
     * In memory, a file is dropped this long after it was last stored, so a long-running sandbox does
     * not keep every image forever (its tasks read UNKNOWN by then). Files on disk stay with the state dir.
     */
    private readonly ttlMs: number,
  ) {}

  /** Stores the bytes; returns their hash. */
  async put(bytes: Uint8Array, now: number): Promise<string> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (!this.dir) {
      for (const [key, entry] of this.memory) if (now >= entry.storedAt + this.ttlMs) this.memory.delete(key);
      this.memory.set(hash, { bytes, storedAt: now });
      return hash;
    }
    const file = join(this.dir, hash);
    // Content-addressed: a file that exists already holds these bytes.
    if (
      await access(file).then(
        () => false,
        () => true,
      )
    ) {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(file, bytes);
    }
    return hash;
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    if (!this.dir) return this.memory.get(hash)?.bytes;
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    return readFile(join(this.dir, hash)).catch(() => undefined);
  }

  /** The files a video's stills name; throws if one is gone (the video can no longer be painted). */
  async inputsFor(stills: VideoStills | undefined): Promise<VideoInputs> {
    const inputs: VideoInputs = {};
    for (const hash of stillHashes(stills)) {
      const bytes = await this.get(hash);
      if (!bytes) throw new Error(`the input image ${hash.slice(0, 12)}… of this task is no longer stored`);
      inputs[hash] = bytes;
    }
    return inputs;
  }
}
