import type { Account } from './account.js';
import { sendError, sendThrottled } from './api-error.js';
import type { ApiDeps } from './api-routes.js';
import { checkAudioUrl } from './audio-url.js';
import { URL_ERROR } from './error-codes.js';
import { type Exchange, header, noteFault, sendJson } from './exchange.js';
import { newUuid } from './ids.js';
import { loadInputs } from './load-inputs.js';
import { type InputSource, locateInput } from './locate-input.js';
import type { OssContext } from './oss-upload.js';
import { readBody } from './read-body.js';
import { buildTask, failedByFault } from './task-record.js';
import { type CreateService, type CreateSpec, validateCreate } from './validate-create.js';

/**
 * Create bodies are a few KB, unless they carry images as base64 data: URLs (research modes.md §7: no
 * documented cap beyond each file's). Two 20 MB images (wan2.7's first and last frame) are 54 MB in
 * base64; anything much larger is refused with 413.
 */
const BODY_LIMIT = 64 * 1024 * 1024;

/** RFC 9110 §8.3.1: media types compare case-insensitively; parameters (`; charset=utf-8`, §2) are allowed. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * `POST …/video-synthesis` (dashscope-api.md §1.2, §2, §3, §4.1). `service` is the create path posted
 * to, undefined for a `/services/…` path that serves no model.
 */
export async function createTask(
  ex: Exchange,
  deps: ApiDeps,
  account: Account,
  service: CreateService | undefined,
): Promise<void> {
  if (service === undefined) {
    ex.req.resume();
    return sendError(ex, 400, 'InvalidParameter', URL_ERROR);
  }
  // §2: create is async-only; without the header the service refuses with 403.
  if (header(ex, 'x-dashscope-async')?.trim().toLowerCase() !== 'enable') {
    ex.req.resume();
    return sendError(ex, 403, 'AccessDenied', 'current user api does not support synchronous calls.');
  }
  // §2, §5: the body must be declared JSON.
  if (!isJson(header(ex, 'content-type'))) {
    ex.req.resume();
    return sendError(ex, 400, 'BadRequest.IllegalInput', 'The input parameter requires json format.');
  }
  const body = await readBody(ex.req, BODY_LIMIT);
  if (body === undefined) return sendError(ex, 413, 'RequestTooLarge', 'Request body too large.');
  const check = validateCreate(body, deps.region, service);
  if (!check.ok) return sendError(ex, check.error.status, check.error.code, check.error.message);
  let { spec } = check;

  const oss: OssContext = {
    ossResolve: header(ex, 'x-dashscope-ossresourceresolve')?.trim().toLowerCase() === 'enable',
    model: spec.model,
    account: deps.policies.accountTag(account.keyHash),
    uploads: deps.uploads,
    now: ex.now,
  };
  const sources = await locateInputs(spec, oss);
  if ('error' in sources) return sendError(ex, 400, sources.error.code, sources.error.message);
  if (spec.audioUrl !== undefined) {
    const audioError = await checkAudioUrl(spec.audioUrl, oss);
    if (audioError) return sendError(ex, 400, audioError.code, audioError.message);
  }

  // §6.1: submissions per second per account and model; over the limit is 429 (the queue is for tasks).
  const limit = deps.limits.forModel(spec.info, spec.model);
  if (limit && !deps.limits.trySubmit(account.keyHash, spec.info.id, limit, ex.now)) return sendThrottled(ex);

  if (spec.inputs.length > 0) {
    const loaded = await loadInputs(spec, sources, { media: deps.media, download: deps.download, now: ex.now });
    // A bad input is found first: the service inspects inputs before it generates anything.
    spec = { ...spec, ...loaded, valueError: loaded.valueError ?? spec.valueError };
  }

  const requestId = newUuid();
  const origin = {
    id: newUuid(),
    requestId,
    now: ex.now,
    keyHash: account.keyHash,
    seq: deps.store.nextSeq(),
    ...(limit ? { concurrency: limit.concurrent } : {}),
  };
  const task = buildTask(spec, origin, { ...deps.taskDefaults, faults: deps.faults.current });
  if (failedByFault(task, deps.faults.current)) noteFault(ex, 'failTask');
  await deps.store.add(task);
  sendJson(ex, 200, { output: { task_status: 'PENDING', task_id: task.id }, request_id: requestId });
}

/** Where each input comes from, or the first URL the request cannot use (a 400, as for audio URLs). */
async function locateInputs(
  spec: CreateSpec,
  oss: OssContext,
): Promise<InputSource[] | { error: { code: string; message: string } }> {
  const sources: InputSource[] = [];
  for (const input of spec.inputs) {
    // Only images come as data: URLs (§7), and only where the model's image limits say so.
    const dataUrl = input.role !== 'clip' && !input.videoOnly && (spec.info.images?.dataUrl ?? false);
    const located = await locateInput(input.url, { dataUrl, oss });
    if ('error' in located) return located;
    sources.push(located.source);
  }
  return sources;
}
