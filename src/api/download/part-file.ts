import { lstat, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { DownloadError } from '../errors/download-error.js';
import { looksLikeMp4, SNIFF_BYTES } from './mp4-sniff.js';

/**
 * Bytes are written to `<to>.part` and only renamed to `to` once complete and verified, so a crash
 * never leaves a truncated video under the real name. Next to it, `<to>.part.json` records what the
 * bytes belong to, so a later process can resume safely. It never holds the URL: that is signed.
 */
export interface PartPaths {
  part: string;
  meta: string;
}

/** What the `.part` belongs to, as the server described it when the bytes were fetched. */
export interface PartMeta {
  /** Sent back as `If-Range`, so a changed object is served whole (200) instead of spliced. */
  etag?: string;
  /** Length of the whole object (Content-Length of a 200 / total of a Content-Range). */
  total?: number;
  /** `x-oss-hash-crc64ecma`, kept because a 416 answer to a resume may not repeat it. */
  crc64?: string;
}

export interface PartState {
  /** Bytes already on disk that can be resumed from (0 when there is nothing usable). */
  size: number;
  meta?: PartMeta;
}

export function partPaths(to: string): PartPaths {
  return { part: `${to}.part`, meta: `${to}.part.json` };
}

/**
 * What can be resumed. A `.part` too short to show its MP4 header, or one that does not start like an
 * MP4, is deleted: resuming it could only produce a file that fails verification.
 */
export async function inspectPart(paths: PartPaths): Promise<PartState> {
  await checkRegular(paths.meta);
  const size = await checkRegular(paths.part);
  if (size === undefined) return { size: 0 };
  if (size < SNIFF_BYTES || !looksLikeMp4(await readHead(paths.part))) {
    await discardPart(paths);
    return { size: 0 };
  }
  const meta = await readMeta(paths);
  if (meta?.total !== undefined && size > meta.total) {
    await discardPart(paths);
    return { size: 0 };
  }
  return meta ? { size, meta } : { size };
}

/** Written before the first body byte, so any `.part` on disk has the meta that describes it. */
export async function writeMeta(paths: PartPaths, meta: PartMeta): Promise<void> {
  const tmp = `${paths.meta}.tmp`;
  try {
    // Write then rename, so a crash never leaves half a JSON document behind. The temporary file
    // is created afresh ('wx'), so nothing already at its path (a symlink) is written through.
    await rm(tmp, { force: true });
    await writeFile(tmp, JSON.stringify(meta), { flag: 'wx' });
    await rename(tmp, paths.meta);
  } catch (err) {
    throw diskError(`cannot write ${paths.meta}`, err);
  }
}

/** Deletes the `.part` and its meta (bytes that failed verification, or a fresh start). */
export async function discardPart(paths: PartPaths): Promise<void> {
  try {
    await rm(paths.part, { force: true });
    await rm(paths.meta, { force: true });
  } catch (err) {
    throw diskError(`cannot delete ${paths.part}`, err);
  }
}

/** After the rename: the meta describes nothing any more. */
export async function removeMeta(paths: PartPaths): Promise<void> {
  await rm(paths.meta, { force: true }).catch(() => undefined);
}

/**
 * The size of the file at `path`, or `undefined` when there is none. Anything but a regular file
 * there (a directory, a FIFO, a device, a symlink, even to a file) is refused: the `.part` is
 * written and truncated, and a symlink would carry those writes somewhere else.
 */
export async function checkRegular(path: string): Promise<number | undefined> {
  try {
    const info = await lstat(path);
    if (!info.isFile())
      throw new DownloadError('disk', `cannot use ${path}: it is ${fileKind(info)}, not a regular file`);
    return info.size;
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    if (code(err) === 'ENOENT') return undefined;
    throw diskError(`cannot read ${path}`, err);
  }
}

/** "a directory", "a FIFO", …: what a non-regular file is, for messages. */
export function fileKind(info: {
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'a regular file';
}

export function diskError(what: string, err: unknown): DownloadError {
  const detail = err instanceof Error ? err.message : String(err);
  return new DownloadError('disk', `${what}: ${detail}`, undefined, { cause: err });
}

export function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

async function readHead(path: string): Promise<Buffer> {
  try {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw diskError(`cannot read ${path}`, err);
  }
}

/** The meta, or `undefined` when absent or unreadable (the `.part` is then resumed without If-Range). */
async function readMeta(paths: PartPaths): Promise<PartMeta | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(paths.meta, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { etag, total, crc64 } = raw as Record<string, unknown>;
  const meta: PartMeta = {};
  // Only values that are safe to send back as a header or compare as numbers.
  if (typeof etag === 'string' && /^[\x21-\x7e][\x20-\x7e]{0,200}$/.test(etag)) meta.etag = etag;
  if (typeof total === 'number' && Number.isSafeInteger(total) && total >= 0) meta.total = total;
  if (typeof crc64 === 'string' && /^\d{1,20}$/.test(crc64)) meta.crc64 = crc64;
  return meta;
}
