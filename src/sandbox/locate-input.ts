import { INVALID_URL } from './audio-url.js';
import { findOssUpload, isOssUrl, type OssContext, type UrlError } from './oss-upload.js';

/**
 * Where an input image or video comes from, decided at create time (research modes.md §7): a `data:`
 * URL (images only, where the model takes them) carries its bytes, an `oss://` URL names a temporary
 * upload, and an http(s) URL must be downloaded. A URL of any other form, a data: URL where none is
 * taken or of another type, or an oss:// URL that does not resolve is a malformed request: HTTP 400
 * at once, as audio URLs are (audio-url.ts).
 */

export type InputSource = { kind: 'bytes'; bytes: Buffer; declaredMime?: string } | { kind: 'download'; url: URL };

/** §7: the MIME types a data: URL may declare: JPEG/JPG → image/jpeg, PNG, BMP, WEBP. */
const DATA_URL_TYPES = ['image/jpeg', 'image/png', 'image/bmp', 'image/webp'];

/** One of the documented InvalidURL messages (§11), the one that names the image types. */
export const BAD_DATA_URL: UrlError = {
  code: 'InvalidURL',
  message:
    'The request URL is invalid, please check the request URL is available and the request image format is one of the following types: JPEG, JPG, PNG, BMP, and WEBP.',
};

export async function locateInput(
  url: string,
  options: { dataUrl: boolean; oss: OssContext },
): Promise<{ source: InputSource } | { error: UrlError }> {
  if (/^data:/i.test(url)) return options.dataUrl ? parseDataUrl(url) : { error: INVALID_URL };
  if (isOssUrl(url)) {
    const found = await findOssUpload(url, options.oss);
    if ('error' in found) return found;
    const bytes = await options.oss.uploads.read(found.key, options.oss.now);
    return bytes ? { source: { kind: 'bytes', bytes } } : { error: INVALID_URL };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: INVALID_URL };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: INVALID_URL };
  return { source: { kind: 'download', url: parsed } };
}

/** RFC 2397 `data:<type>;base64,<data>`; §7 documents base64 only. */
function parseDataUrl(url: string): { source: InputSource } | { error: UrlError } {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/is.exec(url);
  if (!match) return { error: BAD_DATA_URL };
  const mime = match[1]!.trim().toLowerCase();
  const base64 = match[2]!.split(';').some((p) => p.trim().toLowerCase() === 'base64');
  if (!DATA_URL_TYPES.includes(mime) || !base64) return { error: BAD_DATA_URL };
  const payload = match[3]!.replace(/\s+/g, '');
  // Buffer.from skips what is not base64; the service would not guess.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload.length % 4 === 1) return { error: INVALID_URL };
  return { source: { kind: 'bytes', bytes: Buffer.from(payload, 'base64'), declaredMime: mime } };
}
