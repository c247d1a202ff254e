import type { Dispatcher } from 'undici';
import { type AudioFileInfo, checkAudioFile } from './audio-file.js';
import { type Clock, systemClock } from './clock.js';
import { buildCreateRequest, type CreateRequest, type CreateTaskOptions } from './create-request.js';
import { type DownloadOptions, type DownloadResult, downloadVideo } from './download/index.js';
import { InputError } from './errors/input-error.js';
import { ResponseShapeError } from './errors/response-shape-error.js';
import { TaskFailedError } from './errors/task-failed-error.js';
import { apiCall, type HttpContext } from './http.js';
import { lazyDispatcher } from './load-undici.js';
import { DEFAULT_REGION, type Region, regionBaseUrl } from './regions.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import {
  type CreateResponse,
  cancelResponseSchema,
  createResponseSchema,
  type ListResponse,
  listResponseSchema,
  type TaskResponse,
  taskResponseSchema,
  uploadPolicySchema,
} from './schemas.js';
import { checkTaskId } from './task-id.js';
import { postUpload } from './upload.js';
import { pollTask, type WaitOptions } from './wait.js';

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
  /** @default 'beijing' */
  region?: Region;
  /** Overrides the region's base URL; includes `/api/v1`, like the SDK's `DASHSCOPE_HTTP_BASE_URL`. */
  baseUrl?: string;
  /** Sent as `X-DashScope-WorkSpace`. */
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
  requestId: string;
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
    this.region = options.region ?? DEFAULT_REGION;
    this.baseUrl = (options.baseUrl ?? regionBaseUrl(this.region)).replace(/\/+$/, '');
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
      userAgent: options.userAgent ?? 'wan-cli',
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

  /** `POST /services/aigc/video-generation/video-synthesis`. Never retried once it may have reached the service. */
  async createTask(
    options: CreateTaskOptions | CreateRequest,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<CreatedTask> {
    const request = 'body' in options ? options : this.prepareCreate(options);
    const response = await apiCall(this.http, {
      operation: 'create task',
      method: 'POST',
      path: '/services/aigc/video-generation/video-synthesis',
      body: request.body,
      headers: { 'x-dashscope-async': 'enable', ...request.headers },
      schema: createResponseSchema,
      retry: 'create',
      signal,
    });
    return {
      taskId: response.output.task_id,
      status: response.output.task_status,
      requestId: response.request_id,
      request,
      response,
    };
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
   * `POST /tasks/{task_id}/cancel`. Only PENDING tasks can be cancelled; for any other the service
   * answers 400 `UnsupportedOperation` (an ApiError).
   */
  async cancelTask(taskId: string, { signal }: { signal?: AbortSignal } = {}): Promise<{ requestId: string }> {
    checkTaskId(taskId);
    const response = await apiCall(this.http, {
      operation: 'cancel task',
      method: 'POST',
      path: `/tasks/${encodeURIComponent(taskId)}/cancel`,
      schema: cancelResponseSchema,
      // Cancelling twice is harmless, so it may be retried like a query.
      retry: 'idempotent',
      signal,
    });
    return { requestId: response.request_id };
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
   * Uploads a local wav/mp3 through the temporary upload API and returns its `oss://` URL (valid
   * 48 hours, usable only with `model`). The file is checked first: nothing is sent for a bad one.
   */
  async uploadAudio(
    file: string,
    model: string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<{ url: string; file: AudioFileInfo }> {
    const info = await checkAudioFile(file);
    const policy = await apiCall(this.http, {
      operation: 'get upload policy',
      method: 'GET',
      path: `/uploads?action=getPolicy&model=${encodeURIComponent(model)}`,
      schema: uploadPolicySchema,
      retry: 'idempotent',
      signal,
    });
    if (info.bytes > policy.data.max_file_size_mb * 1024 * 1024) {
      throw new InputError(
        'audio',
        `${file} is larger than the ${policy.data.max_file_size_mb} MB the upload policy allows`,
      );
    }
    return { url: await postUpload(policy.data, info, await this.uploadDispatcher(), signal), file: info };
  }

  /** Polls until the task is SUCCEEDED (resolves) or ends otherwise / the budget runs out (rejects). */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<TaskResponse> {
    checkTaskId(taskId);
    return pollTask((signal) => this.getTask(taskId, { signal }), taskId, this.clock, options);
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
    const url = task.output.video_url;
    if (task.output.task_status !== 'SUCCEEDED' || !url) {
      throw new TaskFailedError(
        task.output.task_id,
        task.output.task_status,
        task.output.code,
        task.output.message ?? 'the task has no video',
        task.request_id,
      );
    }
    if (!/^https?:\/\//i.test(url)) {
      throw new ResponseShapeError(
        'query task',
        200,
        `video_url is not an http(s) URL: ${url.slice(0, 40)}`,
        task.request_id,
      );
    }
    return url;
  }
}
