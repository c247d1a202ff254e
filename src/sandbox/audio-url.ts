import { findOssUpload, isOssUrl, type OssContext, type UrlError } from './oss-upload.js';

/**
 * Create-time checks of an audio input (`input.audio_url`, wan2.7's `driving_audio`; dashscope-api.md
 * §1.3, §3.1, §3.3, §5): an http(s) URL or an `oss://` key of a temporary upload, naming a .wav or
 * .mp3 file of at most 15 MB. Remote files are never fetched (the sandbox is offline and paints no
 * sound from them), so their size and length cannot be checked.
 */

export type AudioContext = OssContext;
export type AudioError = UrlError;

const MAX_AUDIO_BYTES = 15 * 1024 * 1024;
export const INVALID_URL: AudioError = { code: 'InvalidURL', message: 'Invalid URL provided in your request.' };
const WRONG_TYPE: AudioError = {
  code: 'InvalidURL',
  message: 'File type is not supported. Allowed types are: .wav, .mp3.',
};

export async function checkAudioUrl(url: string, ctx: AudioContext): Promise<AudioError | undefined> {
  if (isOssUrl(url)) return checkOssAudio(url, ctx);
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
  const found = await findOssUpload(url, ctx);
  if ('error' in found) return found.error;
  if (!audioExtension(found.key)) return WRONG_TYPE;
  if (found.upload.size > MAX_AUDIO_BYTES) return { code: 'InvalidURL', message: 'File size is larger than 15MB.' };
  return undefined;
}

function audioExtension(path: string): boolean {
  return /\.(wav|mp3)$/i.test(path);
}
