/**
 * wan-cli as a library: the DashScope Wan video client (every mode: text, first frame, first and
 * last frame, reference), its errors, the model catalogue and the local sandbox. Nothing here
 * loads a terminal package.
 */

export {
  allModelIds,
  DEFAULT_MODEL,
  DEFAULT_MODELS,
  findModel,
  type ImageLimits,
  type InputShape,
  MODE_NAMES,
  MODELS,
  MODES,
  type Mode,
  type ModelInfo,
  PRICE_DATE,
  priceCurrency,
  type VideoLimits,
} from './api/catalogue.js';
export { type CreatedTask, DEFAULT_TIMEOUTS, type Timeouts, WanClient, type WanClientOptions } from './api/client.js';
export { type Clock, systemClock } from './api/clock.js';
export { type CostEstimate, estimateCost, requestCost } from './api/cost.js';
export { Crc64, crc64 } from './api/crc64.js';
export {
  buildCreateRequest,
  type CreateRequest,
  type CreateTaskOptions,
  createTaskOptionsSchema,
} from './api/create-request.js';
export {
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  downloadVideo,
  type LockHolder,
  type LockOptions,
  lockTarget,
  type TargetLock,
  urlExpiry,
  type Verification,
} from './api/download/index.js';
export * from './api/errors/index.js';
export { bufferSource, inspectFile, inspectMedia, type MediaInfo } from './api/media-file.js';
export {
  DATA_URL_MAX_BYTES,
  type InputFile,
  type MediaInputs,
  type MediaSource,
  type PreparedRequest,
  prepareRequest,
  type Uploader,
  type VideoOptions,
} from './api/media-inputs.js';
export { DEFAULT_REGION, REGIONS, type Region, regionBaseUrl, regionOfBaseUrl } from './api/regions.js';
export { DEFAULT_RETRY, type RetryPolicy, retryDelay } from './api/retry.js';
export {
  type CreateRequestBody,
  type CreateResponse,
  isTerminal,
  numeric,
  type TaskOutput,
  type TaskResponse,
  TERMINAL_STATUSES,
  text,
} from './api/schemas.js';
export { RATIOS, type Ratio, SIZE_TABLE, TIERS, type Tier } from './api/sizes.js';
export type {
  ClipToVideo,
  FramesToVideo,
  ImageToVideo,
  ReferenceToVideo,
  TextToVideo,
  VideoRequest,
} from './api/video-request.js';
export {
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  TaskWatcher,
  type WaitOptions,
  type WatcherOptions,
} from './api/watcher.js';
