import { randomUUID } from 'node:crypto';
import { stat, statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../output/format.js';
import { type CheckResult, result } from './check-result.js';

/** The checks of this machine: where videos are saved and the room there. */

const LOW_DISK_BYTES = 1024 ** 3;

export async function outputDirCheck(dir: string): Promise<{ result: CheckResult; existing: string }> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    const existing = await nearestExisting(dir);
    if (info.code === 'ENOENT')
      return {
        result: result(
          'output-dir',
          'warn',
          `${dir} does not exist (wan creates it for --output-dir; -o needs it)`,
          `mkdir -p ${dir}`,
        ),
        existing,
      };
    return {
      result: result(
        'output-dir',
        'fail',
        `${dir}: ${info.code ?? info.message}`,
        'set outputDir (WAN_OUTPUT_DIR) to a directory you can write',
      ),
      existing,
    };
  }
  if (!info.isDirectory())
    return {
      result: result(
        'output-dir',
        'fail',
        `${dir} is not a directory`,
        'set outputDir (WAN_OUTPUT_DIR) to a directory',
      ),
      existing: path.dirname(dir),
    };
  const probe = path.join(dir, `.wan-doctor-${randomUUID()}.tmp`);
  try {
    await writeFile(probe, 'wan doctor\n', { flag: 'wx' });
    await unlink(probe);
    return { result: result('output-dir', 'pass', `${dir} is writable`), existing: dir };
  } catch (err) {
    await unlink(probe).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      result: result(
        'output-dir',
        'fail',
        `cannot write in ${dir} (${code})`,
        `make it writable (chmod u+w ${dir}) or set outputDir (WAN_OUTPUT_DIR) to another directory`,
      ),
      existing: dir,
    };
  }
}

async function nearestExisting(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    if (
      await stat(current).then(
        () => true,
        () => false,
      )
    )
      return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

export async function diskCheck(dir: string): Promise<CheckResult> {
  try {
    const fs = await statfs(dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const detail = `${formatBytes(free)} free in ${dir}`;
    if (free < LOW_DISK_BYTES)
      return result(
        'disk-space',
        'warn',
        `only ${detail}`,
        'free some space: each video takes tens of MiB, and a download needs its full size',
      );
    return result('disk-space', 'pass', detail);
  } catch (err) {
    return result(
      'disk-space',
      'warn',
      `cannot tell the free space in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      null,
    );
  }
}
