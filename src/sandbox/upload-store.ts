import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** §1.3 / §6.2: uploaded temporary files are valid for 48 h. */
export const UPLOAD_TTL_MS = 48 * 60 * 60 * 1000;

/** What the sandbox remembers about one uploaded file. */
export interface UploadRecord {
  /** The object key; the file's URL is `oss://` + key. */
  key: string;
  /** The model named at getPolicy: only creates for this model may use the file. */
  model: string;
  /** Account tag of the uploading key (see PostPolicySigner.accountTag). */
  account: string;
  size: number;
  contentType?: string;
  /** Sandbox-clock ms. */
  uploadedAt: number;
}

/**
 * Uploaded temporary files: in memory, or under `<stateDir>/uploads` so the processes sharing a state
 * dir resolve each other's `oss://` URLs. Files can never be read back through the API (as in §1.3);
 * the bytes are kept so a create that names a file can use it (an image becomes the video's first frame).
 */
export class UploadStore {
  private readonly memory = new Map<string, { record: UploadRecord; bytes: Buffer }>();

  constructor(
    private readonly dir: string | undefined,
    private readonly ttlMs = UPLOAD_TTL_MS,
  ) {}

  /** The live upload under `key`, or undefined if there is none or it expired. */
  async find(key: string, now: number): Promise<UploadRecord | undefined> {
    const record = this.dir ? await this.readRecord(key) : this.memory.get(key)?.record;
    return record && now < record.uploadedAt + this.ttlMs ? record : undefined;
  }

  /** The bytes of the live upload under `key`. */
  async read(key: string, now: number): Promise<Buffer | undefined> {
    if (!(await this.find(key, now))) return undefined;
    if (!this.dir) return this.memory.get(key)?.bytes;
    return readFile(join(this.dir, `${fileName(key)}.bin`)).catch(() => undefined);
  }

  async put(record: UploadRecord, bytes: Buffer): Promise<void> {
    if (!this.dir) {
      for (const [key, entry] of this.memory)
        if (record.uploadedAt >= entry.record.uploadedAt + this.ttlMs) this.memory.delete(key);
      this.memory.set(record.key, { record, bytes });
      return;
    }
    await mkdir(this.dir, { recursive: true });
    const base = join(this.dir, fileName(record.key));
    // Bytes first, record second: a record on disk always has its file.
    await writeFileAtomic(`${base}.bin`, bytes);
    await writeFileAtomic(`${base}.json`, JSON.stringify(record));
  }

  private async readRecord(key: string): Promise<UploadRecord | undefined> {
    const text = await readFile(join(this.dir!, `${fileName(key)}.json`), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as UploadRecord;
      return record.key === key ? record : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Keys are arbitrary text (`dashscope-instant/…/cat.mp3`); their hash is a safe file name. */
function fileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
