import type { Region } from '../api/regions.js';
import type { Account } from './account.js';
import { accountOf } from './account.js';
import { sendError, sendThrottled } from './api-error.js';
import { createTask } from './create-route.js';
import type { DownloadPolicy } from './download-media.js';
import type { Exchange } from './exchange.js';
import type { FaultState } from './faults.js';
import type { MediaStore } from './media-store.js';
import { getPolicy } from './policy-route.js';
import type { RateLimiter } from './rate-limits.js';
import type { TaskDefaults, TaskRecord } from './task-record.js';
import { cancelTask, listTaskPage, queryTask } from './task-routes.js';
import type { TaskStore } from './task-store.js';
import type { FaultEndpoint } from './types.js';
import type { PostPolicySigner } from './upload-policy.js';
import type { UploadStore } from './upload-store.js';
import type { CreateService } from './validate-create.js';

export interface ApiDeps {
  /** Only this key is accepted when set; otherwise any non-empty key. */
  apiKey?: string;
  /** The region the sandbox answers for: its model ids, its name in task lists. */
  region: Region;
  store: TaskStore;
  faults: FaultState;
  taskDefaults: Omit<TaskDefaults, 'faults'>;
  limits: RateLimiter;
  uploads: UploadStore;
  /** Input images kept for painting, by content hash. */
  media: MediaStore;
  /** How http(s) inputs are downloaded. */
  download: DownloadPolicy;
  policies: PostPolicySigner;
  /** `upload_host` of getPolicy. */
  uploadHost(): string;
  /** A signed URL for a SUCCEEDED task's video, valid from `now`. */
  videoUrl(task: TaskRecord, endTime: number, now: number): string;
}

/**
 * §1.2: the create paths, which the SDK picks by model (`kf2v` models on image2video). Any other
 * `/services/…` path is a create the service cannot route (answered with "url error", §5).
 */
const CREATE_PATHS: Record<string, CreateService> = {
  '/api/v1/services/aigc/video-generation/video-synthesis': 'video-generation',
  '/api/v1/services/aigc/image2video/video-synthesis': 'image2video',
};
const SERVICES_PREFIX = '/api/v1/services/';
const TASK_PATH = /^\/api\/v1\/tasks\/([^/]+)$/;
const CANCEL_PATH = /^\/api\/v1\/tasks\/([^/]+)\/cancel$/;
/** §1.2: the docs list `GET /tasks/`, the SDKs send `GET /tasks`. */
const LIST_PATH = /^\/api\/v1\/tasks\/?$/;
const UPLOADS_PATH = /^\/api\/v1\/uploads\/?$/;

type Route =
  | { name: 'create'; service?: CreateService }
  | { name: 'list' | 'upload-policy' }
  | { name: 'query' | 'cancel'; taskId: string };

const METHOD: Record<Route['name'], string> = {
  create: 'POST',
  query: 'GET',
  list: 'GET',
  cancel: 'POST',
  'upload-policy': 'GET',
};

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function route(path: string): Route | undefined {
  if (Object.hasOwn(CREATE_PATHS, path)) return { name: 'create', service: CREATE_PATHS[path]! };
  if (path.startsWith(SERVICES_PREFIX) && path.length > SERVICES_PREFIX.length) return { name: 'create' };
  if (LIST_PATH.test(path)) return { name: 'list' };
  if (UPLOADS_PATH.test(path)) return { name: 'upload-policy' };
  const cancel = CANCEL_PATH.exec(path);
  const task = cancel ? undefined : TASK_PATH.exec(path);
  const taskId = decode((cancel ?? task)?.[1] ?? '');
  if (!taskId) return undefined;
  return { name: cancel ? 'cancel' : 'query', taskId };
}

/** Which fault endpoint an API path is (by path alone: a wrong method still counts as that endpoint). */
export function apiEndpoint(path: string): FaultEndpoint | undefined {
  return route(path)?.name;
}

/** The caller, or the 401 message (§5: `No API-key provided.` / `Invalid API-key provided.`). */
function authenticate(ex: Exchange, apiKey: string | undefined): Account | string {
  const header = ex.req.headers.authorization?.trim() ?? '';
  const bearer = /^Bearer(?:\s+(.*))?$/i.exec(header);
  const key = bearer ? (bearer[1] ?? '').trim() : header;
  if (key === '') return 'No API-key provided.';
  if (!bearer || (apiKey !== undefined && key !== apiKey)) return 'Invalid API-key provided.';
  return accountOf(key);
}

/** The API listener: create, query, list and cancel tasks, and upload policies (dashscope-api.md §1.2, §1.3). */
export async function handleApiRequest(ex: Exchange, deps: ApiDeps): Promise<void> {
  const found = route(ex.path);
  if (!found) return sendError(ex, 404, 'NotFound', 'Not found!');
  const method = METHOD[found.name];
  if (ex.req.method !== method) return sendError(ex, 405, 'MethodNotAllowed', 'Method not allowed!', { allow: method });
  const account = authenticate(ex, deps.apiKey);
  if (typeof account === 'string') return sendError(ex, 401, 'InvalidApiKey', account);

  switch (found.name) {
    case 'create':
      return createTask(ex, deps, account, found.service);
    case 'upload-policy':
      return getPolicy(ex, deps, account);
  }
  // §6.1: query, list and cancel share one per-account rate.
  if (!deps.limits.tryQuery(account.keyHash, ex.now)) {
    ex.req.resume();
    return sendThrottled(ex);
  }
  switch (found.name) {
    case 'query':
      return queryTask(ex, deps, found.taskId, account);
    case 'cancel':
      return cancelTask(ex, deps, found.taskId, account);
    case 'list':
      return listTaskPage(ex, deps, account);
  }
}
