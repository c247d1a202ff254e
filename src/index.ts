/**
 * wan-cli as a library: the DashScope Wan text-to-video client, its errors, the model catalogue
 * and the local sandbox. Nothing here loads a terminal package.
 */

export {
  allModelIds,
  DEFAULT_MODEL,
  findModel,
  MODELS,
  type ModelInfo,
  PRICE_CURRENCY,
  PRICE_DATE,
} from './api/catalogue.js';
export { type CreatedTask, DEFAULT_TIMEOUTS, type Timeouts, WanClient, type WanClientOptions } from './api/client.js';
export { type Clock, systemClock } from './api/clock.js';
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
export { DEFAULT_REGION, REGIONS, type Region, regionBaseUrl } from './api/regions.js';
export { DEFAULT_RETRY, type RetryPolicy, retryDelay } from './api/retry.js';
export {
  type CreateRequestBody,
  type CreateResponse,
  isTerminal,
  type TaskOutput,
  type TaskResponse,
  TERMINAL_STATUSES,
  type Usage,
} from './api/schemas.js';
export { RATIOS, type Ratio, SIZE_TABLE, TIERS, type Tier } from './api/sizes.js';
export { DEFAULT_POLL_INTERVAL_MS, DEFAULT_WAIT_TIMEOUT_MS, type WaitOptions } from './api/wait.js';
