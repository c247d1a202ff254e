/**
 * wan-cli as a library: the DashScope Wan text-to-video client, its errors, the model catalogue
 * and the local sandbox. Nothing here loads a terminal package.
 */
export { WanClient, DEFAULT_TIMEOUTS, type WanClientOptions, type CreatedTask, type Timeouts } from './api/client.js';
export { buildCreateRequest, createTaskOptionsSchema, type CreateTaskOptions, type CreateRequest } from './api/create-request.js';
export { MODELS, DEFAULT_MODEL, PRICE_DATE, PRICE_CURRENCY, findModel, allModelIds, type ModelInfo } from './api/catalogue.js';
export { REGIONS, DEFAULT_REGION, regionBaseUrl, type Region } from './api/regions.js';
export { TIERS, RATIOS, SIZE_TABLE, type Tier, type Ratio } from './api/sizes.js';
export {
  isTerminal,
  TERMINAL_STATUSES,
  type TaskResponse,
  type TaskOutput,
  type Usage,
  type CreateRequestBody,
  type CreateResponse,
} from './api/schemas.js';
export { DEFAULT_WAIT_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, type WaitOptions } from './api/wait.js';
export { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './api/retry.js';
export { systemClock, type Clock } from './api/clock.js';
export { Crc64, crc64 } from './api/crc64.js';
export * from './api/errors/index.js';
export { downloadVideo, urlExpiry, type DownloadOptions, type DownloadResult, type DownloadProgress } from './api/download/index.js';
