import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

function tmpName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Write-then-rename, so a reader in another process sees the old file or the new one, never half. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Creates `path` with `data` unless it already exists, and returns what the file holds. `link` fails
 * if the target exists, so when two processes race, both end up with the winner's complete content.
 */
export async function createOnce(path: string, data: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing) return existing;
  const tmp = tmpName(path);
  await writeFile(tmp, data);
  try {
    await link(tmp, path);
    return data;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFile(path, 'utf8');
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
