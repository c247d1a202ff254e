import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../errors/aborted-error.js';
import { DownloadError } from '../errors/download-error.js';
import { code, diskError } from './part-file.js';

/** Who holds a target's lock, as its lock file says. */
export interface LockHolder {
  /** Process id of the holder, on `hostname`. */
  pid: number;
  hostname: string;
  /** The file the holder is saving (the `to` it locked). */
  target: string;
  /** When it took the lock, ISO 8601, by its clock. */
  since?: string;
}

export interface LockOptions {
  /** Stop waiting for another holder: AbortedError. */
  signal?: AbortSignal;
  /** Another download holds the lock: called once, before the first wait, so a CLI can say who. */
  onWait?: (holder: LockHolder) => void;
}

export interface TargetLock {
  /** Deletes the lock file if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

/** How often a waiter looks at the lock again. */
export const LOCK_POLL_MS = 200;

/**
 * A lock file that cannot be read is normally one being written (its creator is between the
 * O_EXCL open and the write); one that stays unreadable this long was left by a crash.
 */
const UNREADABLE_STALE_MS = 5_000;

/** Waiting for another process that is removing a stale lock. */
const BREAKER_POLL_MS = 10;

/** A breaker lock (see breakStale) older than this was left by a crash. */
const BREAKER_STALE_MS = 10_000;

/** Tokens of the locks this process holds: same pid, other token means an earlier process (pid reuse). */
const held = new Set<string>();

export function lockPath(to: string): string {
  return `${to}.part.lock`;
}

/**
 * One writer per target: takes `<to>.part.lock`, created with O_EXCL and holding pid, hostname and
 * a random token. It excludes other processes and other calls in this process alike; a live holder
 * is waited for (polled every LOCK_POLL_MS), and a lock whose holder is dead (same host, pid gone)
 * is taken over (see breakStale). Without it, two downloads to one file write the same `.part` at different
 * offsets, and a file of the right length with the wrong bytes can pass every check but the CRC.
 *
 * A holder on another host cannot be checked, so it is waited for until `signal` fires.
 * Throws DownloadError 'disk' when the lock cannot be created (no permission, read-only directory).
 */
export async function lockTarget(to: string, options: LockOptions = {}): Promise<TargetLock> {
  const path = lockPath(to);
  const token = randomBytes(16).toString('hex');
  const mine: LockHolder & { token: string } = {
    pid: process.pid,
    hostname: hostname(),
    target: to,
    since: new Date().toISOString(),
    token,
  };
  let waited = false;
  for (;;) {
    if (options.signal?.aborted) throw waitAborted(to);
    if (await tryCreate(path, JSON.stringify(mine))) {
      held.add(token);
      return { release: () => release(path, token) };
    }
    const seen = await readLock(path);
    if (seen === undefined) continue; // released meanwhile
    if (isStale(seen)) {
      if (!(await breakStale(path, seen))) await sleep(BREAKER_POLL_MS);
      continue;
    }
    if (!waited && seen.holder) {
      waited = true;
      options.onWait?.(seen.holder);
    }
    await sleep(LOCK_POLL_MS, undefined, { signal: options.signal }).catch(() => {
      throw waitAborted(to);
    });
  }
}

/** The lock file as read: `holder` is absent when it could not be parsed. */
interface SeenLock {
  raw: string;
  mtimeMs: number;
  ino: number;
  holder?: LockHolder;
  token?: string;
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'wx');
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    throw diskError(`cannot create the lock ${path}`, err);
  }
  try {
    await fh.writeFile(content);
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw diskError(`cannot write the lock ${path}`, err);
  }
  return true;
}

async function readLock(path: string): Promise<SeenLock | undefined> {
  let raw: string;
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
    if (!info.isFile()) throw new DownloadError('disk', `cannot use the lock ${path}: it is not a regular file`);
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    if (err instanceof DownloadError) throw err;
    throw diskError(`cannot read the lock ${path}`, err);
  }
  const seen: SeenLock = { raw, mtimeMs: info.mtimeMs, ino: info.ino };
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const { pid, hostname: host, target, since, token } = parsed;
    if (Number.isSafeInteger(pid) && (pid as number) > 0 && typeof host === 'string' && typeof token === 'string') {
      seen.holder = {
        pid: pid as number,
        hostname: host,
        target: typeof target === 'string' ? target : '',
        ...(typeof since === 'string' ? { since } : {}),
      };
      seen.token = token;
    }
  } catch {
    // not (yet) a whole JSON document
  }
  return seen;
}

function isStale(seen: SeenLock): boolean {
  if (!seen.holder) return Date.now() - seen.mtimeMs > UNREADABLE_STALE_MS;
  if (seen.holder.hostname !== hostname()) return false;
  if (seen.holder.pid === process.pid) return !held.has(seen.token ?? '');
  return !isAlive(seen.holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return code(err) !== 'ESRCH';
  }
}

/**
 * Removes a stale lock so the caller can try O_EXCL again; false when another process is removing
 * it right now. Several processes may judge the same lock stale at once, and one of them may
 * already have removed it and taken a new lock, which the others must not remove in turn. So
 * breaking takes a second lock, `<lock>.break` (O_EXCL, held for a few milliseconds), and under it
 * removes the lock only if it is still the very file judged stale: same inode, mtime and content
 * (token included). Nobody else can remove that file meanwhile, nor create a new lock while it is
 * there. (Renaming the lock aside and putting back what was not the stale one leaves an instant
 * with no lock file, in which a third process can take the lock while the second holds it.)
 */
async function breakStale(path: string, seen: SeenLock): Promise<boolean> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Held for milliseconds; one this old was left by a crash in that window.
    const age = await lstat(breaker).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > BREAKER_STALE_MS) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const now = await readLock(path);
    if (now && now.raw === seen.raw && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) {
      await unlink(path).catch((err: unknown) => {
        if (code(err) !== 'ENOENT') throw diskError(`cannot remove the stale lock ${path}`, err);
      });
    }
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
  return true;
}

async function release(path: string, token: string): Promise<void> {
  if (!held.delete(token)) return;
  const seen = await readLock(path).catch(() => undefined);
  // Never delete a lock someone else took (after wrongly judging ours stale).
  if (seen?.token === token) await unlink(path).catch(() => undefined);
}

function waitAborted(to: string): AbortedError {
  return new AbortedError(`interrupted while waiting for another download of ${to} to finish`);
}
