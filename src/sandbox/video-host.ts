import { type FileHandle, open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { findModel } from '../api/catalogue.js';
import { parseSize } from '../api/sizes.js';
import { parseRange, type RangeRequest } from './byte-range.js';
import { type Exchange, header, httpDate, noteFault, sendBody, writeHead } from './exchange.js';
import type { FaultState } from './faults.js';
import { gatewayHtml } from './gateway-html.js';
import { newOssRequestId } from './ids.js';
import { type OssError, ossErrorXml } from './oss-xml.js';
import { FAKE_ACCESS_KEY_ID, taskIdOfObjectPath, type UrlSigner } from './signed-url.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { sendShaped, type TransportShape } from './transport-faults.js';
import type { CachedVideo, VideoCache } from './video-cache.js';
import type { VideoSpec } from './video-spec.js';

export interface VideoHostDeps {
  signer: UrlSigner;
  store: TaskStore;
  cache: VideoCache;
  faults: FaultState;
}

/**
 * Whether a task's video has sound: its model makes sound (catalogue; dashscope-api.md §3.3, §8.8:
 * wan2.5/2.6 always do, wan2.2/2.1 never; modes.md §8: so do wan2.7-i2v and the r2v models, and no
 * kf2v model) and the create did not send `parameters.audio: false`.
 * §3.1 documents `audio` for i2v/r2v flash models only (its effect on t2v is UNCONFIRMED); the sandbox
 * honours it for every model with sound, and a silent model stays silent whatever `audio` says.
 */
function hasSound(task: TaskRecord): boolean {
  return (findModel(task.modelId)?.sound ?? false) && task.parameters.audio !== false;
}

/** The parameters of a task's video, if it has one. */
export function videoSpecOf(task: TaskRecord): VideoSpec | undefined {
  const size = task.size ? parseSize(task.size) : undefined;
  if (!size || task.outcome.status !== 'SUCCEEDED') return undefined;
  const { fps, duration, prompt, seed, stills } = task;
  return { ...size, fps, duration, prompt, seed, sound: hasSound(task), ...(stills ? { stills } : {}) };
}

/**
 * The second listener, standing in for the OSS bucket that serves result videos through signed URLs
 * (dashscope-api.md §6.3): checks like OSS's, GET and HEAD with byte ranges, OSS headers, and faults.
 */
export async function handleVideoRequest(ex: Exchange, deps: VideoHostDeps): Promise<void> {
  const requestId = newOssRequestId();
  const common = { 'x-oss-request-id': requestId, server: 'AliyunOSS' };
  const hostId = ex.req.headers.host ?? 'localhost';
  const fail = (error: OssError, extra: Record<string, string> = {}) =>
    sendBody(ex, error.status, 'application/xml', ossErrorXml(error, requestId, hostId), { ...common, ...extra });

  const method = ex.req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    const message = 'The specified method is not allowed against this resource.';
    return fail(
      { status: 405, code: 'MethodNotAllowed', message, details: { Method: method } },
      { allow: 'GET, HEAD' },
    );
  }
  // OSS refuses two authentication mechanisms at once; a client that forwards its DashScope key to the
  // video host is also leaking it to a third party (style rule 10).
  if (ex.req.headers.authorization !== undefined) {
    const message =
      'An Authorization header is not allowed with a signed URL; use either the URL signature or the Authorization header.';
    return fail({ status: 400, code: 'InvalidArgument', message, details: { ArgumentName: 'Authorization' } });
  }

  const query = new URLSearchParams(ex.query);
  const expires = query.get('Expires');
  const keyId = query.get('OSSAccessKeyId');
  const signature = query.get('Signature');
  if (!expires || !keyId || !signature) {
    return fail({
      status: 403,
      code: 'AccessDenied',
      message: 'You have no right to access this object because of bucket acl.',
    });
  }
  if (keyId !== FAKE_ACCESS_KEY_ID) {
    const message = 'The OSS Access Key Id you provided does not exist in our records.';
    return fail({ status: 403, code: 'InvalidAccessKeyId', message, details: { OSSAccessKeyId: keyId } });
  }
  if (/^\d+$/.test(expires) && ex.now >= Number(expires) * 1000) {
    const details = {
      Expires: new Date(Number(expires) * 1000).toISOString(),
      ServerTime: new Date(ex.now).toISOString(),
    };
    return fail({ status: 403, code: 'AccessDenied', message: 'Request has expired.', details });
  }
  if (!deps.signer.verify(method, expires, ex.path, signature)) {
    const message =
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
    const details = {
      OSSAccessKeyId: keyId,
      SignatureProvided: signature,
      StringToSign: `${method}\n\n\n${expires}\n${ex.path}`,
    };
    return fail({ status: 403, code: 'SignatureDoesNotMatch', message, details });
  }

  const taskId = taskIdOfObjectPath(ex.path);
  const task = taskId ? await deps.store.find(taskId) : undefined;
  const phase = task ? deps.store.phase(task, ex.now) : undefined;
  const spec = task && phase?.status === 'SUCCEEDED' ? videoSpecOf(task) : undefined;
  if (!spec || !phase) {
    return fail({
      status: 404,
      code: 'NoSuchKey',
      message: 'The specified key does not exist.',
      details: { Key: ex.path.slice(1) },
    });
  }
  // What a CDN or gateway in front of the bucket might answer with status 200.
  if (deps.faults.current.htmlBody) {
    noteFault(ex, 'htmlBody');
    return sendBody(ex, 200, 'text/html; charset=utf-8', gatewayHtml(502), common);
  }

  const { video, handle } = await openVideo(deps.cache, spec);
  try {
    const lastModified = httpDate(phase.endTime);
    const range = effectiveRange(ex, video, lastModified);
    const checksum = deps.faults.current.wrongChecksum ? wrongCrc(video.crc64) : video.crc64;
    if (deps.faults.current.wrongChecksum) noteFault(ex, 'wrongChecksum');
    const headers: Record<string, string | number> = {
      ...common,
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      etag: video.etag,
      'last-modified': lastModified,
      'x-oss-object-type': 'Normal',
      'x-oss-storage-class': 'Standard',
      // OSS sends the whole object's CRC even on a 206.
      'x-oss-hash-crc64ecma': checksum,
    };
    if (range.kind === 'unsatisfiable') {
      await handle.close();
      const error = { status: 416, code: 'InvalidRange', message: 'The requested range cannot be satisfied.' };
      return fail(error, { 'content-range': `bytes */${video.size}` });
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : video.size - 1;
    const status = range.kind === 'partial' ? 206 : 200;
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${video.size}`;
    headers['content-length'] = end - start + 1;
    writeHead(ex, status, headers);
    if (method === 'HEAD' || end < start) {
      await handle.close();
      ex.res.end();
      return;
    }
    await streamBody(ex, handle, start, end, bodyShape(ex, deps.faults, end - start + 1));
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** Opens the cached file; if it vanished since we cached its metadata, regenerate once. */
async function openVideo(cache: VideoCache, spec: VideoSpec): Promise<{ video: CachedVideo; handle: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const video = await cache.get(spec);
    try {
      return { video, handle: await open(video.file, 'r') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      cache.forget(spec);
    }
  }
}

/** RFC 9110 §13.1.5: a Range is honoured only if If-Range (ETag or date) still matches the object. */
function effectiveRange(ex: Exchange, video: CachedVideo, lastModified: string): RangeRequest {
  const range = parseRange(header(ex, 'range'), video.size);
  const ifRange = header(ex, 'if-range');
  if (range.kind === 'full' || ifRange === undefined) return range;
  const matches =
    ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === video.etag : ifRange === lastModified;
  return matches ? range : { kind: 'full' };
}

function wrongCrc(crc: string): string {
  return (BigInt(crc) ^ 0x5a5an).toString();
}

/** A rule's damage wins; otherwise the legacy `cutAfterBytes` fault, which is a `short` one. */
function bodyShape(ex: Exchange, faults: FaultState, length: number): TransportShape | undefined {
  if (ex.shape) return ex.shape;
  const cut = faults.takeCut(length);
  if (cut === undefined) return undefined;
  noteFault(ex, `cutAfterBytes=${cut}`);
  return { kind: 'short', afterBytes: cut };
}

/** Streams bytes start..end with back-pressure (pipeline), or damaged as a transport fault says. */
async function streamBody(
  ex: Exchange,
  handle: FileHandle,
  start: number,
  end: number,
  shape: TransportShape | undefined,
): Promise<void> {
  // Large reads: a padded benchmark video is a GiB, and the sandbox must not be what limits its rate.
  const body = handle.createReadStream({ start, end, highWaterMark: 1 << 20 });
  if (shape) await sendShaped(ex.req, ex.res, body, shape);
  else await pipeline(body, ex.res).catch(() => ex.res.destroy());
}
