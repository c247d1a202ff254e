/**
 * Downloads an http(s) input (an image or a video) the way the service would, within limits that keep
 * the sandbox offline and a test from ever hanging: only loopback hosts are fetched unless `remote` is
 * set (any other host counts as unreachable at once, and no traffic leaves the machine), redirects are
 * followed by hand under the same rule, and the whole download must finish within `timeoutMs`.
 */

export interface DownloadPolicy {
  /** The whole download, in ms. */
  timeoutMs: number;
  /** Fetch hosts other than this machine too. */
  remote: boolean;
}

export type Download = { ok: true; bytes: Buffer } | { ok: false; tooLarge: boolean };

const MAX_REDIRECTS = 5;

export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The body, or why not: too large (more than `maxBytes`, stopped as soon as that is known) or unreachable. */
export async function downloadMedia(url: URL, maxBytes: number, policy: DownloadPolicy): Promise<Download> {
  const failed: Download = { ok: false, tooLarge: false };
  const signal = AbortSignal.timeout(policy.timeoutMs);
  try {
    let target = url;
    for (let hop = 0; ; hop++) {
      if (!policy.remote && !isLoopback(target)) return failed;
      const res = await fetch(target, { signal, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        target = new URL(location, target);
        continue;
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        return failed;
      }
      if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
        await res.body.cancel();
        return { ok: false, tooLarge: true };
      }
      return await readCapped(res.body, maxBytes);
    }
  } catch {
    // Refused, reset, timed out, bad TLS: all one to the service, a download that did not happen.
    return failed;
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Download> {
  const chunks: Buffer[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { ok: true, bytes: Buffer.concat(chunks, length) };
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel();
      return { ok: false, tooLarge: true };
    }
    chunks.push(Buffer.from(value));
  }
}
