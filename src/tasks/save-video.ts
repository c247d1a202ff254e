import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CreateRequest } from '../api/create-request.js';
import { type DownloadProgress, type DownloadResult, describeUrl } from '../api/download/index.js';
import { lockTarget } from '../api/download/target-lock.js';
import { DownloadError } from '../api/errors/download-error.js';
import { WanError } from '../api/errors/wan-error.js';
import { makeDirectory } from '../api/make-dir.js';
import type { InputFile } from '../api/media-inputs.js';
import { type TaskResponse, text } from '../api/schemas.js';
import type { TaskEntry } from '../journal/fold.js';
import { type Job, recorder } from './job.js';

/** A local input file, as the sidecar records it (never its bytes). */
export type { InputFile } from '../api/media-inputs.js';

export interface SaveOptions {
  file: string;
  force?: boolean;
  /** Write `<file>.json`, the provenance record. @default true */
  sidecar?: boolean;
  /** What `run` and `batch` know of the request; `wait` and `download` know what the task reports. */
  request?: CreateRequest;
  /** The task's journal entry, when wan created it: the download is recorded there. */
  entry?: TaskEntry;
  /** Local inputs the request was made from (name, bytes, sha256), for the sidecar. */
  inputs?: readonly InputFile[];
  onProgress?(progress: DownloadProgress): void;
  /** Another process is saving this file: we wait for it. */
  onWait?(holder: { pid: number }): void;
}

/** A saved video: what was downloaded, or what an earlier run had saved there already. */
export type SavedVideo = Pick<DownloadResult, 'file' | 'bytes' | 'sha256'> &
  Partial<Pick<DownloadResult, 'crc64' | 'verifiedBy'>> & { earlier: boolean };

/**
 * Saves a finished task's video, one writer at a time: the target is locked (another process
 * saving it is waited for), an earlier copy of this very video is recognised and kept, else the
 * video is downloaded (resumable and verified), its sidecar written just before the video is renamed
 * into place, then the journal — all before the lock is released, so whoever takes it next sees the
 * whole result, and a process killed at any point leaves a state a re-run recognises.
 */
export async function saveVideo(job: Job, task: TaskResponse, options: SaveOptions): Promise<SavedVideo> {
  const taskId = task.output.task_id;
  // Missing directories are made, as for --output-dir (the checks before paying have vouched for them).
  await makeDirectory(path.dirname(options.file)).catch((err: unknown) => {
    throw new DownloadError('disk', `cannot create the directory of ${options.file}: ${(err as Error).message}`);
  });
  const lock = await lockTarget(options.file, { signal: job.signal, onWait: options.onWait });
  try {
    const earlier = options.force ? undefined : await recognizeSaved(job, options.file, taskId, options.entry);
    if (earlier) return earlier;
    const result = await job.client.download(task, {
      to: options.file,
      force: options.force,
      signal: job.signal,
      locked: true,
      onProgress: options.onProgress,
      // The sidecar names the task before the video appears: a kill between the two leaves a video
      // a re-run recognises as this task's (alreadySaved), never one it must refuse.
      ...(options.sidecar !== false
        ? {
            beforeCommit: async (r: DownloadResult) => {
              // A file that appeared meanwhile keeps its sidecar: the rename is about to refuse it.
              if (!options.force && (await stat(options.file).catch(() => undefined))) return;
              await writeSidecar(task, r, options, job.clock.now(), job.client.region);
            },
          }
        : {}),
    });
    if (result.verifiedBy.length === 0) {
      job.warn(
        `${options.file} is saved unverified: the video host sent neither a CRC-64 nor a length it committed to (its MP4 header was checked)`,
      );
    }
    if (options.entry) {
      await recorder(job)({
        type: 'downloaded',
        id: options.entry.id,
        taskId,
        file: result.file,
        bytes: result.bytes,
        sha256: result.sha256,
      });
    }
    return { ...result, earlier: false };
  } catch (err) {
    if (err instanceof WanError) {
      err.taskId ??= taskId;
      err.file ??= options.file;
    }
    throw err;
  } finally {
    await lock.release();
  }
}

/**
 * This task's video saved earlier at `file` (see alreadySaved), journaled if the process that saved
 * it was killed before it could record the download; else undefined.
 */
export async function recognizeSaved(
  job: Job,
  file: string,
  taskId: string,
  entry?: TaskEntry,
): Promise<SavedVideo | undefined> {
  const earlier = await alreadySaved(file, taskId, entry);
  if (!earlier) return undefined;
  if (entry && entry.download?.file !== file) {
    const { bytes, sha256 } = earlier;
    await recorder(job)({ type: 'downloaded', id: entry.id, taskId, file, bytes, sha256 });
  }
  return { ...earlier, earlier: true };
}

/**
 * Whether `file` is this task's video, saved earlier by wan: its sidecar (or the journal) names the
 * task, and the bytes on disk still hash to what was recorded. A re-run then succeeds without
 * touching anything, instead of refusing to overwrite.
 */
export async function alreadySaved(
  file: string,
  taskId: string,
  entry?: TaskEntry,
): Promise<Omit<SavedVideo, 'earlier'> | undefined> {
  const sidecar = await readFile(`${file}.json`, 'utf8')
    .then((t) => JSON.parse(t) as { task_id?: unknown; sha256?: unknown })
    .catch(() => undefined);
  const recorded =
    sidecar?.task_id === taskId && typeof sidecar.sha256 === 'string'
      ? sidecar.sha256
      : entry?.taskId === taskId && entry.download?.file === file
        ? entry.download.sha256
        : undefined;
  if (recorded === undefined) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  return sha256 === recorded ? { file, bytes: info.size, sha256 } : undefined;
}

/**
 * `<file>.json` next to the video: enough to reproduce and audit it. No key and no signed query:
 * the video URL is recorded as host and path only. The task's own fields are passed through as the
 * service sent them.
 */
async function writeSidecar(
  task: TaskResponse,
  saved: DownloadResult,
  options: SaveOptions,
  now: number,
  region: string,
): Promise<void> {
  const o = task.output;
  const body = options.request?.body;
  const usage = (task.usage ?? {}) as Record<string, unknown>;
  const sidecar = {
    task_id: o.task_id,
    request_id: task.request_id ?? null,
    region,
    model: body?.model ?? null,
    prompt: body?.input.prompt ?? o.orig_prompt ?? null,
    negative_prompt: body?.input.negative_prompt ?? null,
    actual_prompt: o.actual_prompt ?? null,
    size: options.request?.size ?? usage.video_ratio ?? usage.size ?? null,
    duration: options.request?.duration ?? usage.video_duration ?? usage.duration ?? null,
    seed: body?.parameters.seed ?? null,
    parameters: body?.parameters ?? null,
    inputs: options.inputs ?? null,
    submit_time: o.submit_time ?? null,
    scheduled_time: o.scheduled_time ?? null,
    end_time: o.end_time ?? null,
    usage: task.usage ?? null,
    video: text(o.video_url) ? describeUrl(text(o.video_url)!) : null,
    file: saved.file,
    bytes: saved.bytes,
    sha256: saved.sha256,
    crc64: saved.crc64,
    verified_by: saved.verifiedBy,
    downloaded_at: new Date(now).toISOString(),
  };
  const target = `${options.file}.json`;
  await writeFile(`${target}.tmp`, `${JSON.stringify(sidecar, null, 2)}\n`);
  await rename(`${target}.tmp`, target);
}
