import { mkdir, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DownloadError } from '../api/errors/download-error.js';
import { UsageError } from './usage-error.js';

export interface OutputChoice {
  /** `-o/--output`: one exact file. */
  output?: string;
  /** `--output-dir`, or config `outputDir`: `<dir>/<task_id>.mp4`. */
  outputDir?: string;
  force?: boolean;
}

/**
 * Decides (and checks, before any waiting or downloading) where a task's video goes. A missing
 * parent of `-o` is a usage error; a missing output directory is created; an existing file is
 * refused without --force so nothing is waited for in vain.
 */
export async function resolveOutputPath(choice: OutputChoice, name: string, cwd: string): Promise<string> {
  let file: string;
  if (choice.output !== undefined) {
    file = path.resolve(cwd, choice.output);
    const parent = await stat(path.dirname(file)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new UsageError(`the directory of ${choice.output} does not exist`, '--output');
  } else {
    const dir = path.resolve(cwd, choice.outputDir ?? '.');
    await mkdir(dir, { recursive: true }).catch((err: Error) => {
      throw new UsageError(`cannot create ${dir}: ${err.message}`, '--output-dir');
    });
    file = path.join(dir, name);
  }
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${file} is a directory; give a file name`, '--output');
  if (existing && !choice.force) throw new DownloadError('exists', `${file} already exists; it was left untouched`);
  await probeWritable(`${file}.part`);
  return file;
}

/**
 * Opens the `.part` file the download will write, so an unwritable place is found before any
 * waiting (root ignores mode bits, so asking access() is not enough). A probe-made empty file is removed.
 */
async function probeWritable(part: string): Promise<void> {
  const existed = await stat(part).then(
    () => true,
    () => false,
  );
  try {
    const handle = await open(part, 'a');
    await handle.close();
  } catch (err) {
    throw new UsageError(
      `cannot write ${part}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      '--output',
    );
  }
  if (!existed) await unlink(part).catch(() => {});
}
