import { open, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock older than this was left by a crashed process (real time: a lock is a wall-clock matter). */
const STALE_MS = 10_000;

/**
 * Runs `fn` while holding `lockPath` (created with O_EXCL), so processes sharing a state dir do their
 * read-merge-write of `tasks.json` one at a time instead of overwriting each other's tasks.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await unlink(lockPath).catch(() => undefined);
      // Contention only: another process holds the lock for the few ms a write takes.
      else await sleep(Math.min(2 + attempt, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
