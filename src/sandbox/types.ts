import type { Region } from '../api/regions.js';

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

/**
 * The endpoints a {@link FaultRule} can target. `create` is any path under `/api/v1/services/` (the
 * create paths and wrong ones alike), `query` is `GET /tasks/{id}`, `list` is `GET /tasks`,
 * `upload-policy` is `GET /uploads?action=getPolicy`, `upload` is the POST to the upload host, and
 * `video` is any request for a result video. Requests are matched by path, whatever their method.
 */
export type FaultEndpoint = 'create' | 'query' | 'list' | 'cancel' | 'upload-policy' | 'upload' | 'video';

/** Which requests a rule hits; everything is counted per rule, from the last {@link Sandbox.setFaults}. */
export interface FaultRuleMatch {
  endpoint: FaultEndpoint;
  /** How many matching requests the rule hits. @default Infinity */
  times?: number;
  /** Let the first N matching requests through untouched. @default 0 */
  after?: number;
  /**
   * Hit a matching request with this probability (0..1), drawn from a PRNG seeded with
   * {@link SandboxOptions.seed}, so a run is repeatable. Requests the draw spares do not use up `times`.
   * @default 1
   */
  probability?: number;
}

/**
 * One injected fault. `status` answers instead of the endpoint (the request has no effect, as when a
 * gateway refuses it). The transport faults damage the endpoint's real response, so the request DID
 * take effect (a create made its task) — except `reset` without `afterBytes`, which drops the
 * connection before the request is read.
 */
export type FaultRule = FaultRuleMatch &
  (
    | {
        kind: 'status';
        /** HTTP status, 400–599. The body is DashScope's JSON for it (OSS XML on the video listener). */
        status: number;
        /**
         * API endpoints only: answer this DashScope error code (`DataInspectionFailed`, `Arrearage`,
         * `Throttling.AllocationQuota`, `AllocationQuota.FreeTierOnly`, `IPInfringementSuspect`, …) with
         * the message dashscope-api.md §5 documents for it. `status` must be the code's documented one;
         * a code §5 does not document is a FaultSpecError. @default the status's usual code
         */
        code?: string;
        /** Answer with an nginx/Tengine-style HTML gateway page (`text/html`) instead. */
        html?: boolean;
        /** Seconds, sent as `Retry-After`. */
        retryAfter?: number;
      }
    | {
        kind: 'reset';
        /** Send the headers and this many body bytes, then reset (RST). Absent: reset before any response. */
        afterBytes?: number;
      }
    | {
        kind: 'short';
        /** Full headers (Content-Length of the whole body), this many body bytes, then a clean close (FIN). */
        afterBytes: number;
      }
    | {
        kind: 'slow';
        /** The body trickles out at this rate (real time: client timeouts are wall-clock). */
        bytesPerSecond: number;
      }
    | {
        kind: 'stall';
        /** Headers and this many body bytes, then silence with the socket open until the client gives up. */
        afterBytes: number;
      }
  );

export type FaultKind = FaultRule['kind'];

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
  /** Every task reads UNKNOWN (as if lost, or queried in the wrong region); cancel refuses, list is empty. */
  unknownTasks?: boolean;
  /** Per-endpoint faults; for each request the first rule that matches applies. */
  rules?: FaultRule[];
  /**
   * The sandbox's own clock reads `clock.now() + clockOffsetMs`: Date headers, task times, URL expiry
   * checks and list windows all move, emulating a server whose clock is skewed against the client's.
   */
  clockOffsetMs?: number;
}

/** Task-submit rate and concurrent-task limit of one model (dashscope-api.md §6.1). */
export interface ModelRateLimit {
  /** Creates accepted per second (sliding 1 s window), per API key and model. */
  submitPerSecond: number;
  /** Tasks processed at once per API key and model; later ones wait in PENDING. */
  concurrent: number;
}

/**
 * `true`: every model gets the catalogue's limits. An object: these models get these values (by any
 * of their ids; missing fields and unlisted models fall back to the catalogue). `false`/absent: off.
 */
export type SandboxLimits = boolean | Record<string, Partial<ModelRateLimit>>;

/** A task as the sandbox stored it at create time. */
export interface SandboxTaskInfo {
  /** The task id returned by create (a UUID). */
  id: string;
  /** The model id exactly as the client sent it. */
  model: string;
  /**
   * The prompt after the model's silent truncation; what `orig_prompt` shows. '' when an image model
   * was sent none (its prompt is optional).
   */
  prompt: string;
  /** The negative prompt after truncation, if one was sent. */
  negativePrompt?: string;
  /** `parameters` as the client sent them, unknown fields included. */
  parameters: Record<string, unknown>;
  /**
   * Output size `W*H`: `size`, or `resolution` + `ratio` for wan2.7-t2v, or the catalogue default; for
   * models whose aspect follows the input image or clip, made from that input at the resolution's pixel
   * count. Undefined when there is no size (the task then fails).
   */
  size?: string;
  /** wan2.7-t2v only: the ratio the task was created with (`16:9`, …). */
  ratio?: string;
  /** Models that take `parameters.resolution`: the tier asked for (or the default), `720P`, …. */
  resolution?: string;
  /** Output length in seconds. */
  duration: number;
  /** Frames per second of the model (catalogue). */
  fps: number;
  /** The seed sent, or the one the sandbox picked at create time. */
  seed: number;
  /** `parameters.prompt_extend` (default true). */
  promptExtend: boolean;
  /** `input.audio_url` (wan2.7-i2v: the `driving_audio` item's URL) as sent (http(s):// or oss://), if any. */
  audioUrl?: string;
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
  /**
   * The region the sandbox answers for (dashscope-api.md §1.1, §3.3). Only that region's model ids are
   * accepted (Beijing's `wanx2.1-t2v-turbo` is Singapore's `wan2.1-t2v-turbo`; Virginia has only
   * `wan2.6-t2v`, `wan2.6-i2v` and `wan2.6-r2v`), plus dated snapshots of them; any other id is refused
   * with 400 InvalidParameter `Model not exist.`, like an unknown model. Task lists show the region's id
   * (`cn-beijing`, …).
   * @default 'beijing'
   */
  region?: Region;
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
  /**
   * Pad every result video with a trailing MP4 `free` box to exactly this many bytes (still
   * playable), to measure downloads of big files (`npm run bench` uses 1 GiB). @default no padding
   */
  videoBytes?: number;
  faults?: SandboxFaults;
  /** Per-task behaviour, asked once when each task is created. */
  script?: (task: SandboxTaskInfo) => TaskScript | undefined;
  /**
   * Keep at most this many entries in {@link Sandbox.requests} (oldest dropped), so a long-running
   * `wan sandbox` does not grow without bound. @default Infinity
   */
  requestLogLimit?: number;
  /** Seed of the PRNG behind {@link FaultRule.probability}; reset by every setFaults. @default 1 */
  seed?: number;
  /**
   * How long the sandbox waits for an http(s) input image or video to download, in ms; a download that
   * does not finish in time fails its task as the service does (`InvalidParameter.DataInspection`).
   * @default 3000
   */
  mediaTimeoutMs?: number;
  /**
   * Download http(s) inputs from hosts other than this machine too. Off by default: the sandbox is
   * offline, so an input URL on any other host fails its task at once as undownloadable, and no
   * request leaves the machine; a URL on 127.0.0.1, localhost or [::1] (a test's own server) is fetched.
   * @default false
   */
  remoteMedia?: boolean;
  /**
   * Per-model rate limits (dashscope-api.md §6.1): creates above `submitPerSecond` get 429, tasks above
   * `concurrent` queue in PENDING, and more than 20 query/list/cancel requests per second per key get
   * 429. Off by default so tests that fire many creates are not throttled. @default false
   */
  limits?: SandboxLimits;
}

/** One request either listener received. */
export interface SandboxRequest {
  /** `video` is the OSS stand-in: result videos and the temporary-file upload host. */
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
  /**
   * The fault(s) applied to this request, if any: a rule in spec form (`create:status=429:times=1`) or
   * the name of a {@link SandboxFaults} field (`htmlBody`, `cutAfterBytes=1000`, …); several are joined by `, `.
   */
  fault?: string;
}

export interface Sandbox {
  /** `http://HOST:PORT/api/v1` */
  baseUrl: string;
  /** `http://HOST:VIDEOPORT` */
  videoOrigin: string;
  /** Where temporary files are POSTed (`upload_host` of getPolicy): `{videoOrigin}/dashscope-file-sandbox`. */
  uploadHost: string;
  /** Every request both listeners received, in order of arrival. */
  requests: SandboxRequest[];
  /**
   * Replace the faults at run time (also resets the count of cut responses, every rule's counters and
   * the probability PRNG). Throws a FaultSpecError for an invalid rule.
   */
  setFaults(faults: SandboxFaults): void;
  /** The exact bytes the video host serves for a task (generated if needed). */
  videoFor(taskId: string): Promise<Buffer>;
  close(): Promise<void>;
}
