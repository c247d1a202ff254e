import type { UploadStore } from './upload-store.js';

/**
 * Create-time checks of `input.audio_url` (dashscope-api.md §1.3, §3.1, §3.3, §5): an http(s) URL or
 * an `oss://` key of a temporary upload, naming a .wav or .mp3 file of at most 15 MB. Remote files are
 * never fetched (the sandbox is offline), so their size and length cannot be checked.
 */

export interface AudioContext {
  /** The request sent `X-DashScope-OssResourceResolve: enable`. */
  ossResolve: boolean;
  /** The model as the create request names it. */
  model: string;
  /** Account tag of the creating key. */
  account: string;
  uploads: UploadStore;
  now: number;
}

export interface AudioError {
  code: string;
  message: string;
}

const MAX_AUDIO_BYTES = 15 * 1024 * 1024;
const INVALID_URL: AudioError = { code: 'InvalidURL', message: 'Invalid URL provided in your request.' };
const WRONG_TYPE: AudioError = {
  code: 'InvalidURL',
  message: 'File type is not supported. Allowed types are: .wav, .mp3.',
};

export async function checkAudioUrl(url: string, ctx: AudioContext): Promise<AudioError | undefined> {
  if (/^oss:\/\//i.test(url)) return checkOssAudio(url, ctx);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return INVALID_URL;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return INVALID_URL;
  return audioExtension(parsed.pathname) ? undefined : WRONG_TYPE;
}

async function checkOssAudio(url: string, ctx: AudioContext): Promise<AudioError | undefined> {
  if (!ctx.ossResolve) {
    // UNCONFIRMED for video models: this is the documented answer of VL models to an oss:// URL sent
    // without the header (§1.3).
    return {
      code: 'InvalidParameter',
      message: 'The provided URL does not appear to be valid. Ensure it is correctly formatted.',
    };
  }
  const key = url.slice('oss://'.length);
  const upload = await ctx.uploads.find(key, ctx.now);
  // §8.5: the file must have been uploaded for the same model and account. UNCONFIRMED wording.
  if (!upload || upload.model !== ctx.model || upload.account !== ctx.account) {
    return {
      code: 'InvalidParameter',
      message: `The file ${url} cannot be resolved: it does not exist, has expired, or was uploaded for another model or account.`,
    };
  }
  if (!audioExtension(key)) return WRONG_TYPE;
  if (upload.size > MAX_AUDIO_BYTES) return { code: 'InvalidURL', message: 'File size is larger than 15MB.' };
  return undefined;
}

function audioExtension(path: string): boolean {
  return /\.(wav|mp3)$/i.test(path);
}
