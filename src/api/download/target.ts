import type { Stats } from 'node:fs';
import { link, lstat, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DownloadError } from '../errors/download-error.js';
import { code, diskError, fileKind, type PartPaths } from './part-file.js';

/**
 * Checks made before any request, so a wrong `to` costs nothing: the parent directory must exist (we
 * do not guess at creating directories), and an existing file is only replaced with `force`. Only a
 * regular file is ever replaced: `force` on a device (as root, `-o /dev/null --force` would
 * replace /dev/null), a FIFO, a socket or a directory is refused, and so is a symlink to one of
 * those or to nothing. A symlink to a regular file is replaced by the video (the link, not its target).
 */
export async function checkTarget(to: string, force: boolean): Promise<void> {
  const dir = dirname(to);
  try {
    if (!(await stat(dir)).isDirectory())
      throw new DownloadError('disk', `cannot save to ${to}: ${dir} is not a directory`);
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') {
      throw new DownloadError('disk', `cannot save to ${to}: directory ${dir} does not exist`, undefined, {
        cause: err,
      });
    }
    throw diskError(`cannot save to ${to}`, err);
  }
  let existing: Stats;
  try {
    existing = await lstat(to);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw diskError(`cannot save to ${to}`, err);
  }
  if (existing.isSymbolicLink()) {
    try {
      existing = await stat(to);
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ELOOP')
        throw new DownloadError('disk', `cannot save to ${to}: it is a dangling symbolic link`, undefined, {
          cause: err,
        });
      throw diskError(`cannot save to ${to}`, err);
    }
  }
  if (!existing.isFile())
    throw new DownloadError('disk', `cannot save to ${to}: it is ${fileKind(existing)}, not a regular file`);
  if (!force) throw existsError(to);
}

/**
 * Makes the verified `.part` the real file: fsync (so a power cut cannot leave a renamed but empty
 * file), rename, then fsync the directory so the rename itself is durable. Without `force` the rename
 * must not replace a file that appeared meanwhile, so it is a hard link (fails with EEXIST) then unlink.
 */
export async function commitPart(paths: PartPaths, to: string, force: boolean): Promise<void> {
  try {
    const fh = await open(paths.part, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw diskError(`cannot flush ${paths.part}`, err);
  }
  if (force) {
    // Again, just before: whatever is at `to` may have changed during the download.
    await checkTarget(to, true);
    await rename(paths.part, to).catch((err: unknown) => {
      throw diskError(`cannot rename ${paths.part} to ${to}`, err);
    });
  } else {
    await moveNoClobber(paths.part, to);
  }
  await syncDirectory(dirname(to));
}

async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if (code(err) === 'EEXIST') throw existsError(to);
    // Filesystems without hard links (FAT, some network shares): check, then rename. Not atomic,
    // but the window is a few microseconds long.
    try {
      await stat(to);
      throw existsError(to);
    } catch (statErr) {
      if (statErr instanceof DownloadError) throw statErr;
    }
    await rename(from, to).catch((renameErr: unknown) => {
      throw diskError(`cannot rename ${from} to ${to}`, renameErr);
    });
    return;
  }
  await unlink(from).catch(() => undefined);
}

/** Best effort: Windows and some filesystems cannot open or fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // The file itself is already flushed; only the rename's durability is at stake.
  }
}

function existsError(to: string): DownloadError {
  return new DownloadError('exists', `${to} already exists; pass force to overwrite it`);
}
