import { mkdir, stat } from 'node:fs/promises';
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
  return file;
}
