/**
 * Public types of the sandbox: a local server that speaks DashScope's video-synthesis wire protocol
 * (dashscope-api.md §1–§5) plus a second listener standing in for the OSS host that serves the videos.
 */

/** Time as the sandbox sees it. Tests inject a fake so nothing waits on the wall clock. */
export interface SandboxClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Per-task behaviour, returned by {@link SandboxOptions.script} when a task is created. */
export interface TaskScript {
  /** How long the task stays PENDING, in ms. @default SandboxOptions.pendingMs */
  pendingMs?: number;
  /** How long the task stays RUNNING, in ms. @default SandboxOptions.runningMs */
  runningMs?: number;
  /** End FAILED with this code and message instead of SUCCEEDED. */
  fail?: { code: string; message: string };
  /**
   * End in this state instead. CANCELED: the task leaves PENDING straight to CANCELED (as if canceled
   * while queued). UNKNOWN: after PENDING and RUNNING the task reads UNKNOWN, as if it were lost.
   */
  status?: 'CANCELED' | 'UNKNOWN';
}

/** Faults injected into the sandbox; they can be replaced at run time with {@link Sandbox.setFaults}. */
export interface SandboxFaults {
  /** Video URLs are issued with `Expires` already in the past. */
  expiredUrl?: boolean;
  /** A video GET sends full headers, then the socket is closed after this many body bytes. */
  cutAfterBytes?: number;
  /** How many video GET responses get cut. @default 1 (so a resume can succeed); `Infinity` = always. */
  cutTimes?: number;
  /** A video GET answers 200 `text/html` with a gateway-style HTML page instead of the MP4. */
  htmlBody?: boolean;
  /** `x-oss-hash-crc64ecma` is wrong. */
  wrongChecksum?: boolean;
  /** Every new task ends FAILED with this code and message. */
  failTask?: { code: string; message: string };
}

/** A task as the sandbox stored it at create time. */
export interface SandboxTaskInfo {
  /** The task id returned by create (a UUID). */
  id: string;
  /** The model id exactly as the client sent it. */
  model: string;
  /** The prompt after the model's silent truncation; what `orig_prompt` shows. */
  prompt: string;
  /** The negative prompt after truncation, if one was sent. */
  negativePrompt?: string;
  /** `parameters` as the client sent them, unknown fields included. */
  parameters: Record<string, unknown>;
  /**
   * Output size `W*H`: `size`, or `resolution` + `ratio` for wan2.7, or the catalogue default.
   * Undefined when the requested resolution/ratio has no size (the task then fails).
   */
  size?: string;
  /** wan2.7 only: the ratio the task was created with (`16:9`, …). */
  ratio?: string;
  /** Output length in seconds. */
  duration: number;
  /** Frames per second of the model (catalogue). */
  fps: number;
  /** The seed sent, or the one the sandbox picked at create time. */
  seed: number;
  /** `parameters.prompt_extend` (default true). */
  promptExtend: boolean;
  /** When the task was created, ms since the epoch (sandbox clock). */
  submitTime: number;
}

export interface SandboxOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** Port of the API listener. @default 0 (random) */
  port?: number;
  /** Port of the second listener, which stands in for the OSS host. @default 0 (random) */
  videoPort?: number;
  /** @default Date.now */
  clock?: SandboxClock;
  /** If set only this bearer key works; otherwise any non-empty key works. */
  apiKey?: string;
  /** Time a task stays PENDING, ms. @default 2000 */
  pendingMs?: number;
  /** Time a task stays RUNNING, ms. @default 6000 */
  runningMs?: number;
  /** Tasks read UNKNOWN and video URLs expire at end_time + this, ms. @default 86_400_000 (24 h) */
  retentionMs?: number;
  /** If set, task records and the URL-signing secret persist here so several processes share tasks. */
  stateDir?: string;
  /** Where generated MP4s are cached by parameters. @default join(os.tmpdir(), 'wan-sandbox-videos') */
  videoCacheDir?: string;
  faults?: SandboxFaults;
  /** Per-task behaviour, asked once when each task is created. */
  script?: (task: SandboxTaskInfo) => TaskScript | undefined;
  /**
   * Keep at most this many entries in {@link Sandbox.requests} (oldest dropped), so a long-running
   * `wan sandbox` does not grow without bound. @default Infinity
   */
  requestLogLimit?: number;
}

/** One request either listener received. */
export interface SandboxRequest {
  listener: 'api' | 'video';
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without the leading `?` (empty if none). */
  query: string;
  /** Lower-case header names; `authorization` is stored redacted (`Bearer ***`). */
  headers: Record<string, string>;
  hasAuthorization: boolean;
  /** HTTP status sent; 0 until the response starts. */
  status: number;
  /** When the request arrived, ms since the epoch (sandbox clock). */
  time: number;
}

export interface Sandbox {
  /** `http://HOST:PORT/api/v1` */
  baseUrl: string;
  /** `http://HOST:VIDEOPORT` */
  videoOrigin: string;
  /** Every request both listeners received, in order of arrival. */
  requests: SandboxRequest[];
  /** Replace the faults at run time (also resets the count of cut responses). */
  setFaults(faults: SandboxFaults): void;
  /** The exact bytes the video host serves for a task (generated if needed). */
  videoFor(taskId: string): Promise<Buffer>;
  close(): Promise<void>;
}
