import { lstat, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DownloadError } from '../api/errors/download-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { makeDirectory } from '../api/make-dir.js';

/** Where the user asked a video to go: `-o <file>`, or a directory for `<task_id>.mp4`. */
export interface OutputChoice {
  /** `-o`: one exact file; a trailing slash makes it a directory. */
  output?: string;
  /** `--output-dir`, or config `outputDir`. */
  outputDir?: string;
}

/** The resolved choice: an exact file, or the directory task videos go to. */
export type Target = { kind: 'file'; file: string } | { kind: 'dir'; dir: string };

/**
 * The longest suffix a save adds to the file name (`<file>.part.json.tmp`, the download's meta
 * written atomically): the probe creates it, so a name too long for the file system fails now.
 */
const LONGEST_SUFFIX = '.part.json.tmp';

export function resolveTarget(choice: OutputChoice, cwd: string): Target {
  const { output } = choice;
  if (output !== undefined && output !== '' && !/[\\/]$/.test(output)) {
    return { kind: 'file', file: path.resolve(cwd, output) };
  }
  return { kind: 'dir', dir: path.resolve(cwd, output || choice.outputDir || '.') };
}

/** The file a task's video goes to. */
export function targetFile(target: Target, taskId: string): string {
  return target.kind === 'file' ? target.file : path.join(target.dir, `${taskId}.mp4`);
}

/**
 * Checks, before anything is paid for, that a video can be saved where the user asked: the
 * directory exists (missing ones are created, as for --output-dir) and takes new files of this
 * name's length; the file is not a device, a directory or a dangling link; an existing file is
 * replaced only with `force` (unless `mine` says it is the task's own video, saved earlier).
 * `sample` stands for the file name of a `dir` target (task ids are 36 characters).
 */
export async function checkTarget(
  target: Target,
  options: { force?: boolean; flag?: string; mine?: (file: string) => Promise<boolean> } = {},
): Promise<void> {
  const flag = options.flag ?? (target.kind === 'file' ? '--output' : '--output-dir');
  const dir = target.kind === 'file' ? path.dirname(target.file) : target.dir;
  await makeDirectory(dir).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot create the directory ${dir}: ${reason(err)}`, flag);
  });
  const file = target.kind === 'file' ? target.file : path.join(dir, `${'0'.repeat(36)}.mp4`);
  await probe(file, flag);
  if (target.kind === 'dir') return;
  const link = await lstat(file).catch(() => undefined);
  if (!link) return;
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new UsageError(`${file} is a link to nothing; remove it or choose another file`, flag);
  if (!info.isFile()) {
    throw new UsageError(`${file} is ${kindOf(info)}; wan saves videos only as regular files`, flag);
  }
  if (options.force || (await options.mine?.(file))) return;
  // Exit 6 as any refusal to overwrite (wan help exit-codes), only sooner: before anything is paid for.
  throw new DownloadError('exists', `${file} already exists; it was left untouched`);
}

/** Creates and removes `<file>.part.json.tmp`: the directory must be writable and the longest name fit. */
async function probe(file: string, flag: string): Promise<void> {
  const name = `${file}${LONGEST_SUFFIX}`;
  try {
    const handle = await open(name, 'wx');
    await handle.close();
    await unlink(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // a save in progress, or one that crashed: the directory takes files
    if (code === 'ENAMETOOLONG') {
      throw new UsageError(`the file name ${path.basename(file)} is too long for this file system`, flag);
    }
    throw new UsageError(`cannot write in ${path.dirname(file)}: ${reason(err as NodeJS.ErrnoException)}`, flag);
  }
}

function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function reason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way of the directory';
    case 'ENOSPC':
      return 'no space left';
    default:
      return err.code ?? err.message;
  }
}
