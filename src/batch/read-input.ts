import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../api/errors/usage-error.js';
import type { IO } from '../output/io.js';
import { readLimited } from '../output/read-limited.js';

/** A batch is text; anything larger is a mistake (100,000 lines of prompts fit easily). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface BatchInput {
  text: string;
  /** Absolute path, or `stdin`: part of each line's idempotency key. */
  source: string;
  /** Where a line's relative `audio` path starts. */
  baseDir: string;
}

/** Reads the batch file, or stdin for `-`. */
export async function readBatchInput(file: string, io: IO): Promise<BatchInput> {
  if (file === '-')
    return {
      text: decode(
        await readLimited(
          io.stdin,
          MAX_BATCH_BYTES,
          io.signal,
          () => new UsageError('stdin holds more than 16 MiB; that is not a batch of prompts', 'batch file'),
        ),
        'stdin',
      ),
      source: 'stdin',
      baseDir: io.cwd,
    };
  const absolute = path.resolve(io.cwd, file);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new UsageError(`${file} does not exist`, 'batch file');
  if (info.isDirectory()) throw new UsageError(`${file} is a directory`, 'batch file');
  if (info.size > MAX_BATCH_BYTES)
    throw new UsageError(`${file} is ${info.size} bytes; a batch file may hold at most 16 MiB`, 'batch file');
  return { text: decode(await readFile(absolute), file), source: absolute, baseDir: path.dirname(absolute) };
}

function decode(raw: Buffer, shown: string): string {
  if (raw.includes(0)) throw new UsageError(`${shown} is a binary file, not prompts`, 'batch file');
  return raw.toString('utf8');
}
