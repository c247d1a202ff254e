import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { findModel } from './catalogue.js';
import { type Clock, systemClock } from './clock.js';
import { buildCreateRequest, type CreateRequest, type CreateTaskOptions } from './create-request.js';
import { type DownloadOptions, type DownloadResult, downloadVideo } from './download/index.js';
import { ApiError } from './errors/api-error.js';
import { InputError } from './errors/input-error.js';
import { ResponseShapeError } from './errors/response-shape-error.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { apiCall, type HttpContext, requestHeaders } from './http.js';
import { lazyDispatcher } from './load-undici.js';
import { inspectFile, type MediaInfo } from './media-file.js';
import { type InputFile, prepareRequest, type Uploader } from './media-inputs.js';
import { redactHeaders } from './redact.js';
import { DEFAULT_REGION, REGIONS, type Region, regionBaseUrl, regionOfBaseUrl } from './regions.js';
import { checkInputFile } from './request-media.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import {
  type CreateResponse,
  cancelResponseSchema,
  createResponseSchema,
  type ListResponse,
  listResponseSchema,
  type TaskResponse,
  taskResponseSchema,
  text,
  uploadPolicySchema,
} from './schemas.js';
import { checkTaskId } from './task-id.js';
import { postUpload } from './upload.js';
import { USER_AGENT } from './version.js';
import { type VideoRequest, videoOptionsOf } from './video-request.js';
import { TaskWatcher, type WaitOptions } from './watcher.js';

export interface Timeouts {
  /** TCP + TLS connect. @default 10_000 ms */
  connectMs: number;
  /** From sending a request to its response headers. @default 60_000 ms */
  headersMs: number;
  /** No body bytes for this long aborts an API response or a download (a stall). @default 30_000 ms */
  stallMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 60_000, stallMs: 30_000 };

export interface WanClientOptions {
  /** DashScope API key; sent only to the API origin, never to the video host. */
  apiKey?: string;
  /**
   * @default the region of `baseUrl`'s host when it is one of DashScope's (an error if it contradicts
   * this), else 'beijing'
   */
  region?: Region;
  /**
   * Overrides the region's base URL (`https://dashscope-intl.aliyuncs.com/api/v1`, a workspace domain,
   * a gateway with a path of its own): like the SDK's `DASHSCOPE_HTTP_BASE_URL`, paths are appended to it.
   */
  baseUrl?: string;
  /**
   * Sent as `X-DashScope-WorkSpace`.
   */
  workspace?: string;
  /** An undici dispatcher (proxy, custom TLS). Its own timeouts then apply. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  /** Receives the HTTP exchange line by line, with the key redacted. */
  onDebug?: (line: string) => void;
  userAgent?: string;
  /** Jitter source for retry backoff. @default Math.random */
  random?: () => number;
}

export interface ListQuery {
  taskId?: string;
  /** Epoch ms. */
  startTime?: number;
  /** Epoch ms. */
  endTime?: number;
  model?: string;
  status?: string;
  /** @default 1 */
  page?: number;
  /** @default 10 */
  pageSize?: number;
}

/** `YYYYMMDDhhmmss` in UTC+8, the list endpoint's time format (dashscope-api.md §1.2). */
export function beijingStamp(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface CreatedTask {
  taskId: string;
  status: string;
  requestId?: string;
  request: CreateRequest;
  response: CreateResponse;
}

/** The DashScope Wan text-to-video API: create, query, wait for and download tasks. */
export class WanClient {
  readonly region: Region;
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly timeouts: Timeouts;
  private readonly http: HttpContext;
  /** The caller's dispatcher, for downloads too; without one, each download makes an Agent of its own (video-request.ts). */
  private readonly downloadDispatcher: Dispatcher | undefined;
  /** Uploads go to another origin: a pool of their own, so a long upload never holds an API connection. */
  private readonly uploadDispatcher: () => Promise<Dispatcher>;

  constructor(options: WanClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? regionBaseUrl(options.region ?? DEFAULT_REGION)).replace(/\/+$/, '');
    this.region = clientRegion(options.region, this.baseUrl);
    this.clock = options.clock ?? systemClock;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.http = {
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      workspace: options.workspace,
      dispatcher: this.ownOr(options.dispatcher),
      clock: this.clock,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      random: options.random ?? Math.random,
      userAgent: options.userAgent ?? USER_AGENT,
      onDebug: options.onDebug,
    };
    this.downloadDispatcher = options.dispatcher;
    this.uploadDispatcher = this.ownOr(options.dispatcher);
  }

  /** The caller's dispatcher, or an Agent of our own with our timeouts, made (and undici loaded) on first use. */
  private ownOr(dispatcher: Dispatcher | undefined): () => Promise<Dispatcher> {
    if (dispatcher) return async () => dispatcher;
    const { connectMs, headersMs, stallMs } = this.timeouts;
    return lazyDispatcher(
      ({ Agent }) => new Agent({ connect: { timeout: connectMs }, headersTimeout: headersMs, bodyTimeout: stallMs }),
    );
  }

  /** Validates options against the model catalogue and returns what would be sent; sends nothing. */
  prepareCreate(options: CreateTaskOptions): CreateRequest {
    return buildCreateRequest(options, this.region);
  }

  /**
   * What `createTask` would send for `request`: method, URL and every header, the key redacted
   * (`--dry-run`). Built by the same code that sends it, so the two cannot differ.
   */
  describeCreate(request: CreateRequest): { method: 'POST'; url: string; headers: Record<string, string> } {
    const headers = requestHeaders(this.http, { body: request.body, headers: createHeaders(request) });
    // Shown whether or not a key was found: a create cannot be sent without one.
    headers.authorization ??= 'Bearer ***';
    return { method: 'POST', url: this.baseUrl + request.path, headers: redactHeaders(headers) };
  }

  /**
   * Creates a video task in any mode (see VideoRequest): local files (paths or bytes) are checked
   * against the model's limits first, then sent inline or uploaded. Sends nothing for bad input.
   */
  async create(
    video: VideoRequest,
    { signal, cwd = process.cwd() }: { signal?: AbortSignal; cwd?: string } = {},
  ): Promise<CreatedTask & { inputs: InputFile[] }> {
    const prepared = await prepareRequest(videoOptionsOf(video), this.region, cwd);
    const request = await prepared.send(this.uploader(signal));
    return { ...(await this.createTask(request, { signal })), inputs: prepared.inputs };
  }

  /** Uploads through the temporary-upload API, for `prepareRequest(…).send`. */
  uploader(signal?: AbortSignal): Uploader {
    return async (file, model) => {
      checkUploads(this.region);
      const policy = await apiCall(this.http, {
        operation: 'get upload policy',
        method: 'GET',
        path: `/uploads?action=getPolicy&model=${encodeURIComponent(model)}`,
        schema: uploadPolicySchema,
        retry: 'idempotent',
        signal,
      });
      const maxMb = policy.data.max_file_size_mb;
      if (maxMb !== undefined && file.data.length > maxMb * 1024 * 1024) {
        throw new InputError('upload', `${file.name} is larger than the ${maxMb} MB the upload policy allows`);
      }
      return postUpload(policy.data, file, await this.uploadDispatcher(), signal);
    };
  }

  /** `POST /services/aigc/video-generation/video-synthesis`. Never retried once it may have reached the service. */
  async createTask(
    options: CreateTaskOptions | CreateRequest,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<CreatedTask> {
    const request = 'body' in options ? options : this.prepareCreate(options);
    const response = await apiCall(this.http, {
      operation: 'create task',
      method: 'POST',
      path: request.path,
      body: request.body,
      headers: createHeaders(request),
      schema: createResponseSchema,
      retry: 'create',
      signal,
    });
    // The id goes into URL paths and file names: a malformed one is refused here, not used.
    const taskId = checkTaskId(response.output.task_id, 'create task');
    return { taskId, status: response.output.task_status, requestId: text(response.request_id), request, response };
  }

  /** `GET /tasks/{task_id}`: the task as the service reports it (HTTP 200 even when it FAILED). */
  async getTask(taskId: string, { signal }: { signal?: AbortSignal } = {}): Promise<TaskResponse> {
    checkTaskId(taskId);
    return apiCall(this.http, {
      operation: 'query task',
      method: 'GET',
      path: `/tasks/${encodeURIComponent(taskId)}`,
      schema: taskResponseSchema,
      retry: 'idempotent',
      signal,
    });
  }

  /**
   * `POST /tasks/{task_id}/cancel`. Only PENDING tasks can be cancelled (dashscope-api.md §1.2); for
   * any other the service answers 400 `UnsupportedOperation`. Then the task is looked up: CANCELED
   * (already, or by our first attempt whose answer was lost) resolves; any other state is thrown as
   * an ApiError that says what it means.
   */
  async cancelTask(
    taskId: string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<{ requestId?: string; alreadyCanceled: boolean }> {
    checkTaskId(taskId);
    try {
      const response = await apiCall(this.http, {
        operation: 'cancel task',
        method: 'POST',
        path: `/tasks/${encodeURIComponent(taskId)}/cancel`,
        schema: cancelResponseSchema,
        // Cancelling twice is harmless, so it may be retried like a query.
        retry: 'idempotent',
        signal,
      });
      return { requestId: text(response.request_id), alreadyCanceled: false };
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'UnsupportedOperation') throw err;
      const status = (await this.getTask(taskId, { signal })).output.task_status;
      // More than one attempt: the first one's answer was lost, and it is what cancelled the task.
      if (status === 'CANCELED') return { requestId: err.requestId, alreadyCanceled: err.attempts === 1 };
      err.message = `task ${taskId} cannot be cancelled: it is ${status}, ${NOT_CANCELLABLE[status] ?? 'and only PENDING tasks can be cancelled'}${err.requestId ? ` (request id ${err.requestId})` : ''}`;
      throw err;
    }
  }

  /**
   * `GET /tasks`: one page of the account's tasks (the service keeps 24 hours; a window may span at
   * most 24 hours). Times are `YYYYMMDDhhmmss` in Beijing time, as the service expects.
   */
  async listTasks(query: ListQuery = {}, { signal }: { signal?: AbortSignal } = {}): Promise<ListResponse> {
    const params = new URLSearchParams();
    if (query.taskId) params.set('task_id', checkTaskId(query.taskId));
    if (query.startTime !== undefined) params.set('start_time', beijingStamp(query.startTime));
    if (query.endTime !== undefined) params.set('end_time', beijingStamp(query.endTime));
    if (query.model) params.set('model_name', query.model);
    if (query.status) params.set('status', query.status);
    params.set('page_no', String(query.page ?? 1));
    params.set('page_size', String(query.pageSize ?? 10));
    return apiCall(this.http, {
      operation: 'list tasks',
      method: 'GET',
      path: `/tasks?${params.toString()}`,
      schema: listResponseSchema,
      retry: 'idempotent',
      signal,
    });
  }

  /**
   * Uploads a local image, clip or sound file through the temporary upload API and returns its
   * `oss://` URL (valid 48 hours, usable only with `model`). The file is read by its content first:
   * nothing is sent for one that is none of these, nor where the region has no upload service
   * (dashscope-api.md §1.3).
   */
  async uploadFile(
    file: string,
    model: string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<{ url: string; file: MediaInfo & { path: string } }> {
    checkUploads(this.region);
    const info = await inspectFile(file).catch(() => undefined);
    if (!info) throw new InputError('upload', `${file} is not an image, clip or sound file the service takes`);
    const known = findModel(model);
    if (known) {
      try {
        checkInputFile(known, { ...info, name: path.basename(file) });
      } catch (err) {
        throw err instanceof InputError ? new InputError('upload', err.message, err.allowed) : err;
      }
    }
    const data = await readFile(file);
    const url = await this.uploader(signal)({ name: path.basename(file), mime: info.mime, data }, model);
    return { url, file: { ...info, path: file } };
  }

  /** `uploadFile` for a wav/mp3 only: what `--audio <file>` takes. */
  async uploadAudio(
    file: string,
    model: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ url: string; file: MediaInfo & { path: string } }> {
    const info = await inspectFile(file).catch(() => undefined);
    if (info?.kind !== 'audio')
      throw new InputError('audio', `${file} is neither WAV nor MP3 (by its content); the service takes .wav and .mp3`);
    return this.uploadFile(file, model, options);
  }

  /**
   * Polls until the task ends: resolves with the SUCCEEDED task; FAILED, CANCELED and UNKNOWN reject
   * with TaskFailedError, a spent budget with WaitTimeoutError. The task itself is never cancelled.
   */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<TaskResponse> {
    checkTaskId(taskId);
    const watcher = new TaskWatcher(this, { ...options, signal: options.signal });
    const task = await watcher.watch(taskId);
    return succeeded(task);
  }

  /**
   * Downloads a task's video (given the task, or its id, or the signed URL itself) safely: to a
   * `.part` file, resumed with Range, verified, then renamed into place. No API key is sent.
   */
  async download(source: string | TaskResponse, options: DownloadOptions): Promise<DownloadResult> {
    const url = await this.videoUrlOf(source, options.signal);
    return downloadVideo(url, {
      clock: this.clock,
      stallTimeoutMs: this.timeouts.stallMs,
      connectTimeoutMs: this.timeouts.connectMs,
      headersTimeoutMs: this.timeouts.headersMs,
      retry: this.http.retry,
      ...(this.downloadDispatcher ? { dispatcher: this.downloadDispatcher } : {}),
      onRetry: (retry) =>
        this.http.onDebug?.(`retrying download in ${retry.delayMs} ms (request ${retry.attempt}): ${retry.reason}`),
      ...options,
    });
  }

  private async videoUrlOf(source: string | TaskResponse, signal?: AbortSignal): Promise<string> {
    if (typeof source === 'string' && /^https?:\/\//i.test(source)) return source;
    const task = typeof source === 'string' ? await this.getTask(source, { signal }) : source;
    const url = text(succeeded(task).output.video_url)!;
    if (!/^https?:\/\//i.test(url)) {
      throw new ResponseShapeError(
        'query task',
        200,
        `video_url is not an http(s) URL: ${url.slice(0, 40)}`,
        text(task.request_id),
      );
    }
    return url;
  }
}

function createHeaders(request: CreateRequest): Record<string, string> {
  return { 'x-dashscope-async': 'enable', ...request.headers };
}

/** What an UnsupportedOperation answer to a cancel means, by the task's state. */
const NOT_CANCELLABLE: Record<string, string> = {
  RUNNING: 'so only its end can stop it: a video it makes will be billed',
  SUCCEEDED: 'so its video is made and billed',
  FAILED: 'so there is nothing to cancel (failed tasks are not billed)',
  UNKNOWN: 'an unknown id in this region, or older than 24 hours',
};

/** The task if it SUCCEEDED, else the TaskFailedError that says how it ended. */
export function succeeded(task: TaskResponse): TaskResponse {
  const o = task.output;
  if (o.task_status === 'SUCCEEDED') return task;
  throw new TaskFailedError(o.task_id, o.task_status, text(o.code), text(o.message), text(task.request_id));
}

/** dashscope-api.md §1.3: the temporary-upload API is not offered everywhere. */
export function checkUploads(region: Region, field = 'upload'): void {
  if (!REGIONS[region].uploads) {
    throw new InputError(
      field,
      `the ${region} region has no upload service for local files; give a public http(s) URL of the file instead`,
    );
  }
}

/**
 * The region a client works in: the one its base URL's host belongs to, as the SDKs switch region
 * by the base URL alone; else the one asked for, else Beijing. A contradiction is refused.
 */
function clientRegion(asked: Region | undefined, baseUrl: string): Region {
  const ofHost = regionOfBaseUrl(baseUrl);
  if (asked && ofHost && asked !== ofHost) {
    throw new InputError('region', `region ${asked} contradicts the base URL ${baseUrl}, which is ${ofHost}'s`);
  }
  return ofHost ?? asked ?? DEFAULT_REGION;
}
