import type { ModelInfo } from '../api/catalogue.js';
import { bufferSource, inspectMedia, type MediaInfo } from '../api/media-file.js';
import type { Tier } from '../api/sizes.js';
import { checkImage, checkVideo } from './check-media.js';
import type { MediaInput } from './create-inputs.js';
import { type DownloadPolicy, downloadMedia } from './download-media.js';
import type { InputSource } from './locate-input.js';
import { CLIP_NOT_SHORTER, DOWNLOAD_FAILED, type MediaError, tooLarge, tooManyReferences } from './media-errors.js';
import type { MediaStore } from './media-store.js';
import { outputSize } from './output-size.js';
import type { CreateSpec } from './validate-create.js';
import type { VideoStills } from './video-spec.js';

/**
 * Reads a create's input files (downloading http(s) ones), checks them against the model's limits,
 * keeps the images for painting, and works out what the task records from them: the video size for
 * models whose aspect follows the input, what the video is painted from, the billed reference seconds.
 * A file that cannot be had or breaks a limit fails the task (media-errors.ts): the service inspects
 * inputs "during the data inspection process", after it took the task. Done while the create is
 * answered, so the task's outcome is fixed at create time like every other (task-record.ts).
 */

export interface InputDeps {
  media: MediaStore;
  download: DownloadPolicy;
  now: number;
}

export interface LoadedInputs {
  size?: string;
  stills?: VideoStills;
  inputVideoSeconds?: number;
  valueError?: MediaError;
}

interface ReadInput {
  input: MediaInput;
  bytes: Buffer;
  info: MediaInfo;
}

export async function loadInputs(spec: CreateSpec, sources: InputSource[], deps: InputDeps): Promise<LoadedInputs> {
  const { info: model } = spec;
  const read = await Promise.all(spec.inputs.map((input, i) => readInput(model, input, sources[i]!, deps.download)));
  const failed = read.find((r): r is { error: MediaError } => 'error' in r);
  if (failed) return { valueError: failed.error };
  const files = read as ReadInput[];
  const countError = checkCounts(model, files) ?? checkClip(spec, files);
  if (countError) return { valueError: countError };

  const hashes = new Map<ReadInput, string>();
  for (const file of files)
    if (file.info.kind === 'image') hashes.set(file, await deps.media.put(file.bytes, deps.now));
  const byRole = (role: MediaInput['role']) => files.find((f) => f.input.role === role);
  const first = byRole('first');
  const last = byRole('last');
  const images = files.filter((f) => f.input.role === 'reference' && f.info.kind === 'image');
  const stills: VideoStills = {
    ...(first ? { first: hashes.get(first)! } : {}),
    ...(last ? { last: hashes.get(last)! } : {}),
    ...(images.length > 0 ? { slides: images.map((f) => hashes.get(f)!) } : {}),
  };
  const shaper = first ?? byRole('clip');
  const size =
    shaper && spec.resolution && (model.tiers as string[]).includes(spec.resolution)
      ? outputSize(shaper.info.width!, shaper.info.height!, spec.resolution as Tier)
      : undefined;
  return {
    ...(size ? { size: `${size.width}*${size.height}` } : {}),
    ...(Object.keys(stills).length > 0 ? { stills } : {}),
    ...(model.shape === 'references' ? { inputVideoSeconds: billedReferenceSeconds(model, files) } : {}),
  };
}

async function readInput(
  model: ModelInfo,
  input: MediaInput,
  source: InputSource,
  policy: DownloadPolicy,
): Promise<ReadInput | { error: MediaError }> {
  let bytes: Buffer;
  if (source.kind === 'download') {
    const limit = downloadLimit(model, input);
    const download = await downloadMedia(source.url, limit.maxBytes, policy);
    if (!download.ok) return { error: download.tooLarge ? tooLarge(limit.kind, limit.maxBytes) : DOWNLOAD_FAILED };
    bytes = download.bytes;
  } else bytes = source.bytes;
  const info = await inspectMedia(bufferSource(bytes));
  const error = checkInput(model, input, info, source.kind === 'bytes' ? source.declaredMime : undefined);
  return error ? { error } : { input, bytes, info: info! };
}

/**
 * How much of a download is read before it is known to be too large: the input's own limit, or for a
 * reference (an image or a video, unknown until read) the larger of the two.
 */
function downloadLimit(model: ModelInfo, input: MediaInput): { maxBytes: number; kind: 'image' | 'video' } {
  if (input.role === 'clip') return { maxBytes: model.clip!.maxBytes, kind: 'video' };
  if (input.role !== 'reference') return { maxBytes: model.images!.maxBytes, kind: 'image' };
  const video = model.videos!.maxBytes;
  if (input.videoOnly) return { maxBytes: video, kind: 'video' };
  const image = model.images!.maxBytes;
  return image > video ? { maxBytes: image, kind: 'image' } : { maxBytes: video, kind: 'video' };
}

function checkInput(
  model: ModelInfo,
  input: MediaInput,
  info: MediaInfo | undefined,
  declaredMime: string | undefined,
): MediaError | undefined {
  if (input.role === 'clip') return checkVideo(info, model.clip!);
  if (input.role !== 'reference') return checkImage(info, model.images!, declaredMime);
  if (input.videoOnly) return checkVideo(info, model.videos!);
  // A reference is an image or a video, each with its own limits (§4.1).
  if (info?.kind === 'image') return checkImage(info, model.images!, declaredMime);
  return checkVideo(info, model.videos!, 'an image or a video');
}

/** r2v (§4.1): images 0–5, videos 0–3 (the total was checked at create). */
function checkCounts(model: ModelInfo, files: ReadInput[]): MediaError | undefined {
  if (!model.references) return undefined;
  const count = (kind: MediaInfo['kind']) => files.filter((f) => f.info.kind === kind).length;
  if (count('video') > model.references.videos) return tooManyReferences('videos', model.references.videos);
  if (count('image') > model.references.images) return tooManyReferences('images', model.references.images);
  return undefined;
}

function checkClip(spec: CreateSpec, files: ReadInput[]): MediaError | undefined {
  const clip = files.find((f) => f.input.role === 'clip');
  return clip && clip.info.seconds! >= spec.duration ? CLIP_NOT_SHORTER : undefined;
}

/**
 * §4.3: reference clips are billed, at most `billedInputSeconds` (5 s) in all, split evenly over all
 * N references (images too), each clip billed min(its length, the share). The documented shares are
 * 5, 2.5, 1.65, 1.25 and 1 s: 5/N rounded down to 0.05 s reproduces all five.
 */
export function billedReferenceSeconds(model: ModelInfo, files: Array<{ info: MediaInfo }>): number {
  const total = model.billedInputSeconds ?? 0;
  if (files.length === 0 || total === 0) return 0;
  const share = Math.floor((total / files.length) * 20 + 1e-9) / 20;
  const billed = files
    .filter((f) => f.info.kind === 'video')
    .reduce((sum, f) => sum + Math.min(f.info.seconds ?? 0, share), 0);
  return Math.round(billed * 100) / 100;
}
