import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface SavedVideo {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * Whether `file` is this task's video, saved earlier by wan: its provenance sidecar names the task
 * and the file's bytes still hash to what the sidecar recorded. A re-run of the same command then
 * succeeds without touching anything, instead of refusing to overwrite.
 */
export async function alreadySaved(file: string, taskId: string): Promise<SavedVideo | undefined> {
  const sidecar = await readFile(`${file}.json`, 'utf8')
    .then((text) => JSON.parse(text) as { task_id?: unknown; sha256?: unknown; bytes?: unknown })
    .catch(() => undefined);
  if (!sidecar || sidecar.task_id !== taskId || typeof sidecar.sha256 !== 'string') return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile() || info.size !== sidecar.bytes) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  return sha256 === sidecar.sha256 ? { file: path.resolve(file), bytes: info.size, sha256 } : undefined;
}
