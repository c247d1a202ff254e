import { rename, writeFile } from 'node:fs/promises';
import type { WanClient } from '../api/client.js';
import type { CreateRequest } from '../api/create-request.js';
import type { DownloadResult } from '../api/download/index.js';
import { describeUrl } from '../api/download/signed-url.js';
import { WanError } from '../api/errors/wan-error.js';
import type { TaskResponse } from '../api/schemas.js';
import { downloadView } from '../output/download-progress.js';
import type { TaskProgress } from '../output/task-progress.js';
import type { CommandContext } from './context.js';

/** The JSON object `wait`, `run` and `download` print per task: the API's fields plus the file. */
export function videoJson(task: TaskResponse, saved?: DownloadResult): Record<string, unknown> {
  return {
    ...task.output,
    ...(task.usage ? { usage: task.usage } : {}),
    request_id: task.request_id,
    ...(saved ? { file: saved.file, bytes: saved.bytes, sha256: saved.sha256 ?? null } : {}),
  };
}

export interface SaveOptions {
  file: string;
  force?: boolean;
  sidecar: boolean;
  /** What `run` knows of the request; `wait`/`download` know only what the task reports. */
  request?: CreateRequest;
  region: string;
  /**
   * Compute the SHA-256 as well as the CRC-64. It costs about as much again as the CRC, so `download`
   * skips it when nothing will show or record it. @default true
   */
  sha256?: boolean;
}

/** Downloads a finished task's video with a progress view, then writes the provenance sidecar. */
export async function saveVideo(
  ctx: CommandContext,
  client: WanClient,
  task: TaskResponse,
  options: SaveOptions & { sha256?: true },
  progress?: TaskProgress,
): Promise<DownloadResult & { sha256: string }>;
export async function saveVideo(
  ctx: CommandContext,
  client: WanClient,
  task: TaskResponse,
  options: SaveOptions,
  progress?: TaskProgress,
): Promise<DownloadResult>;
export async function saveVideo(
  ctx: CommandContext,
  client: WanClient,
  task: TaskResponse,
  options: SaveOptions,
  progress?: TaskProgress,
): Promise<DownloadResult> {
  progress?.stop();
  const view = await downloadView(ctx.ui, options.file);
  try {
    const sha256 = options.sha256 ?? true;
    const result = await client.download(task, {
      to: options.file,
      force: options.force,
      signal: ctx.signal,
      sha256,
      onProgress: (p) => view.onProgress(p),
    });
    view.done(result);
    if (options.sidecar) await writeSidecar(task, result, options, ctx.clock.now());
    return result;
  } catch (err) {
    view.stop();
    if (err instanceof WanError) err.taskId ??= task.output.task_id;
    throw err;
  }
}

/** Waits for a task with the shared progress view; tags any error with the task id for the report. */
export async function waitFor(
  ctx: CommandContext,
  client: WanClient,
  taskId: string,
  timing: { timeout: number; interval: number },
  progress: TaskProgress,
): Promise<TaskResponse> {
  try {
    return await client.waitForTask(taskId, {
      signal: ctx.signal,
      timeout: timing.timeout,
      interval: timing.interval,
      onStatus: (t) => progress.onStatus(t),
    });
  } catch (err) {
    if (err instanceof WanError) err.taskId ??= taskId;
    throw err;
  }
}

/**
 * `<file>.json` next to the video: enough to reproduce and audit it. No key and no signed query:
 * the video URL is recorded as host and path only.
 */
async function writeSidecar(
  task: TaskResponse,
  saved: DownloadResult,
  options: SaveOptions,
  now: number,
): Promise<void> {
  const o = task.output;
  const body = options.request?.body;
  const sidecar = {
    task_id: o.task_id,
    request_id: task.request_id,
    region: options.region,
    model: body?.model ?? null,
    prompt: body?.input.prompt ?? o.orig_prompt ?? null,
    negative_prompt: body?.input.negative_prompt ?? null,
    actual_prompt: o.actual_prompt ?? null,
    size: options.request?.size ?? task.usage?.video_ratio ?? task.usage?.size ?? null,
    duration: options.request?.duration ?? task.usage?.video_duration ?? task.usage?.duration ?? null,
    seed: body?.parameters.seed ?? null,
    parameters: body?.parameters ?? null,
    submit_time: o.submit_time ?? null,
    scheduled_time: o.scheduled_time ?? null,
    end_time: o.end_time ?? null,
    usage: task.usage ?? null,
    video: o.video_url ? describeUrl(o.video_url) : null,
    file: saved.file,
    bytes: saved.bytes,
    sha256: saved.sha256,
    crc64: saved.crc64,
    downloaded_at: new Date(now).toISOString(),
  };
  const target = `${options.file}.json`;
  await writeFile(`${target}.tmp`, `${JSON.stringify(sidecar, null, 2)}\n`);
  await rename(`${target}.tmp`, target);
}
