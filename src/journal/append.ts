import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { JournalError } from './journal-error.js';

/**
 * Appends one complete line (ending in `\n`) and makes it durable before returning, so an intent
 * is on disk before the create request that it announces is sent.
 *
 * Several `wan` processes may append at once. The file is opened with O_APPEND and the line goes
 * out in a single write(2): on Linux and macOS local filesystems the kernel moves to the end and
 * writes under one lock, so lines never interleave (lines are kept under 64 KiB, see
 * serialize.ts). This does not hold on NFS and similar network filesystems, which emulate
 * O_APPEND client-side; keep the state directory on a local disk.
 *
 * @returns `true` when this append created the journal (it was empty before).
 */
export async function appendLine(file: string, line: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    // 'a+' rather than 'a': O_APPEND as well, but readable, to look at the last byte below.
    handle = await open(file, 'a+', 0o600);
    const { size } = await handle.stat();
    if (size === 0) {
      // The file is new (or was empty): make sure it is private whatever the umask was.
      await handle.chmod(0o600);
    }
    // A crash mid-write can leave a last line without its newline. Starting on a fresh line keeps
    // that torn line from swallowing this one. The check races with other appenders (the size we
    // saw may include a line another process is still copying in), but every line they write ends
    // with `\n`, so the worst a lost race does is leave an empty line, which readers skip.
    const lead = size > 0 && !(await endsWithNewline(handle, size)) ? '\n' : '';
    const buffer = Buffer.from(lead + line, 'utf8');
    let written = 0;
    while (written < buffer.length) {
      // With O_APPEND every write goes to the current end of file; the position argument is ignored.
      const { bytesWritten } = await handle.write(buffer, written, buffer.length - written);
      written += bytesWritten;
    }
    await handle.sync();
    return size === 0;
  } catch (err) {
    throw new JournalError(
      'write',
      file,
      `Cannot write the task journal ${file} (${errorCode(err)}). wan records every task there before creating it, so nothing paid for is lost; free some disk space, fix the file's permissions, or point WAN_STATE_DIR at a writable local directory.`,
      { cause: err },
    );
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Makes a newly created journal's directory entry durable too; without it a power cut could
 * lose the whole file even though its contents were fsync'd. Best effort: some platforms
 * cannot open or sync a directory, and the data itself is already safe from process crashes.
 */
export async function syncDirectory(file: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path.dirname(file), 'r');
    await handle.sync();
  } catch {
    // See above: best effort.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  const { bytesRead } = await handle.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] === 0x0a;
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
