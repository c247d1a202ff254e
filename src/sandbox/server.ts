import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REGION, REGION_NAMES } from '../api/regions.js';
import { type ApiDeps, apiEndpoint, handleApiRequest } from './api-routes.js';
import { createOnce } from './atomic-file.js';
import { type Exchange, noteFault, sendBody, sendJson } from './exchange.js';
import { formatFaultRule } from './fault-spec.js';
import { FaultState } from './faults.js';
import { newOssRequestId, newUuid } from './ids.js';
import { MediaStore } from './media-store.js';
import { ossErrorXml } from './oss-xml.js';
import { RateLimiter } from './rate-limits.js';
import { logEntry, RequestLog } from './request-log.js';
import { UrlSigner, videoObjectPath } from './signed-url.js';
import { sendStatusFault } from './status-fault.js';
import { TaskStore } from './task-store.js';
import { shapeOf } from './transport-faults.js';
import type { FaultEndpoint, Sandbox, SandboxOptions, SandboxRequest } from './types.js';
import { handleUpload, type UploadHostDeps } from './upload-host.js';
import { PostPolicySigner, UPLOAD_PATH } from './upload-policy.js';
import { UploadStore } from './upload-store.js';
import { VideoCache } from './video-cache.js';
import { VideoEncoder } from './video-encoder.js';
import { handleVideoRequest, type VideoHostDeps, videoSpecOf } from './video-host.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const isUploadPath = (path: string) => path === UPLOAD_PATH || path === `${UPLOAD_PATH}/`;

/**
 * Starts the sandbox: an API listener speaking DashScope's video-synthesis protocol and a second
 * listener standing in for OSS, which serves the videos and takes temporary-file uploads. Both log
 * every request and apply the injected faults. Throws FaultSpecError for an invalid fault rule and a
 * RangeError for an unknown region.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const region = options.region ?? DEFAULT_REGION;
  // Checked because JavaScript callers and JSON configs are not type-checked: a typo must not pass silently.
  if (!(REGION_NAMES as readonly string[]).includes(region)) {
    throw new RangeError(`sandbox: unknown region "${region}"; use one of ${REGION_NAMES.join(', ')}`);
  }
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? { now: () => Date.now() };
  const retentionMs = options.retentionMs ?? DAY_MS;
  const { stateDir } = options;
  const faults = new FaultState(options.faults, options.seed ?? 1);
  // The sandbox's own clock: the injected one plus any skew fault, read anew for every request.
  const now = () => clock.now() + faults.clockOffsetMs;

  if (stateDir) await mkdir(stateDir, { recursive: true });
  const freshSecret = randomBytes(32).toString('hex');
  // Processes sharing a state dir must share the secret, or one could not serve another's URLs.
  const secret = stateDir ? (await createOnce(join(stateDir, 'secret'), freshSecret)).trim() : freshSecret;
  const signer = new UrlSigner(secret);
  const policies = new PostPolicySigner(secret);
  const store = new TaskStore(stateDir ? join(stateDir, 'tasks.json') : undefined, retentionMs, now);
  await store.load();
  const uploads = new UploadStore(stateDir ? join(stateDir, 'uploads') : undefined);
  // Input images are needed until their tasks' videos expire: a day past retention covers tasks that queued.
  const media = new MediaStore(stateDir ? join(stateDir, 'media') : undefined, retentionMs + DAY_MS);
  const encoder = new VideoEncoder();
  const cache = new VideoCache(
    options.videoCacheDir ?? join(tmpdir(), 'wan-sandbox-videos'),
    encoder,
    options.videoBytes,
    media,
  );
  const log = new RequestLog(options.requestLogLimit);

  let videoPort = 0;
  const apiDeps: ApiDeps = {
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    region,
    store,
    faults,
    taskDefaults: {
      pendingMs: options.pendingMs ?? 2000,
      runningMs: options.runningMs ?? 6000,
      script: options.script,
    },
    limits: new RateLimiter(options.limits),
    uploads,
    media,
    download: { timeoutMs: options.mediaTimeoutMs ?? 3000, remote: options.remoteMedia ?? false },
    policies,
    uploadHost: () => origin(host, videoPort) + UPLOAD_PATH,
    videoUrl: (task, endTime, at) => {
      // §6.3: Expires ≈ end_time + 24 h, in unix seconds.
      const expires = faults.current.expiredUrl
        ? Math.floor(at / 1000) - 3600
        : Math.floor((endTime + retentionMs) / 1000);
      return signer.url(origin(host, videoPort), videoObjectPath(task.id, endTime), expires);
    },
  };
  const videoDeps: VideoHostDeps = { signer, store, cache, faults };
  const uploadDeps: UploadHostDeps = { policies, uploads };

  const handler =
    (
      listener: SandboxRequest['listener'],
      endpointOf: (path: string) => FaultEndpoint | undefined,
      handle: (ex: Exchange) => Promise<void>,
    ) =>
    (req: IncomingMessage, res: ServerResponse) => {
      const time = now();
      const entry = logEntry(listener, req, time);
      log.add(entry);
      const ex: Exchange = { req, res, entry, now: time, path: entry.path, query: entry.query };
      // Faults are picked as the request arrives, before anything else, as a gateway would act.
      const endpoint = endpointOf(ex.path);
      const rule = endpoint ? faults.pick(endpoint) : undefined;
      if (rule) noteFault(ex, formatFaultRule(rule));
      if (rule?.kind === 'status') return sendStatusFault(ex, rule, listener);
      if (rule?.kind === 'reset' && rule.afterBytes === undefined) {
        // Dropped before the request is read: it has no effect (unlike the other transport faults).
        req.socket.resetAndDestroy();
        return;
      }
      if (rule) ex.shape = shapeOf(rule);
      handle(ex).catch((err: unknown) => internalError(ex, listener, err));
    };
  const apiServer = createServer(handler('api', apiEndpoint, (ex) => handleApiRequest(ex, apiDeps)));
  const videoServer = createServer(
    handler(
      'video',
      (path) => (isUploadPath(path) ? 'upload' : 'video'),
      (ex) => (isUploadPath(ex.path) ? handleUpload(ex, uploadDeps) : handleVideoRequest(ex, videoDeps)),
    ),
  );

  const apiPort = await listen(apiServer, options.port ?? 0, host);
  try {
    videoPort = await listen(videoServer, options.videoPort ?? 0, host);
  } catch (err) {
    await closeServer(apiServer);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    baseUrl: `${origin(host, apiPort)}/api/v1`,
    videoOrigin: origin(host, videoPort),
    uploadHost: origin(host, videoPort) + UPLOAD_PATH,
    requests: log.entries,
    setFaults: (f) => faults.set(f),
    videoFor: async (taskId) => {
      const task = await store.find(taskId);
      const spec = task ? videoSpecOf(task) : undefined;
      if (!spec) throw new Error(`sandbox: task ${taskId} has no video`);
      const video = await cache.get(spec);
      return readFile(video.file).catch(async () => {
        cache.forget(spec);
        return readFile((await cache.get(spec)).file);
      });
    },
    close: () => {
      closing ??= (async () => {
        await Promise.all([closeServer(apiServer), closeServer(videoServer)]);
        await encoder.close();
        await store.flush();
      })();
      return closing;
    },
  };
}

/** URLs use a connectable address: a wildcard listen address becomes loopback. */
function origin(host: string, port: number): string {
  const connectable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${connectable.includes(':') ? `[${connectable}]` : connectable}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive sockets from fetch would otherwise hold close() open for seconds.
    server.closeAllConnections();
  });
}

/** A bug or I/O failure answers 500 in the listener's own dialect; nothing is printed (library code). */
function internalError(ex: Exchange, listener: SandboxRequest['listener'], err: unknown): void {
  if (ex.res.headersSent) {
    ex.res.destroy();
    return;
  }
  const cause = err instanceof Error ? err.message : String(err);
  if (listener === 'api') {
    const message = `An internal error has occured, please try again later or contact service support. (sandbox: ${cause})`;
    sendJson(ex, 500, { code: 'InternalError', message, request_id: newUuid() });
  } else {
    const error = {
      status: 500,
      code: 'InternalError',
      message: `We encountered an internal error. Please try again. (sandbox: ${cause})`,
    };
    sendBody(ex, 500, 'application/xml', ossErrorXml(error, newOssRequestId(), ex.req.headers.host ?? 'localhost'));
  }
}
