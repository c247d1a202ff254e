import { createHash } from 'node:crypto';

/**
 * The input pictures a video is made from, each named by the SHA-256 (hex) of its file as the
 * media store keeps it; see still-painter.ts for how each is shown.
 */
export interface VideoStills {
  /** Frame 0 (first-frame and first-and-last-frame videos). */
  first?: string;
  /** The last frame (first-and-last-frame videos, wan2.7's first clip + last frame). */
  last?: string;
  /** Reference images, shown in turn (reference-to-video). */
  slides?: string[];
}

/** Everything a sandbox video's bytes depend on. */
export interface VideoSpec {
  width: number;
  height: number;
  fps: number;
  /** Seconds. */
  duration: number;
  prompt: string;
  seed: number;
  /** A silent AAC track goes with the video (the model makes sound and the create did not turn it off). */
  sound: boolean;
  /** Absent: procedural frames only (text-to-video, reference clips without images, a first clip alone). */
  stills?: VideoStills;
}

/** The files a spec's stills name, by hash, as the encoder receives them. */
export type VideoInputs = Record<string, Uint8Array>;

/** Bump when the painter or encoder settings change, so old cached files are not served. */
const RENDER_VERSION = 3;
/** Bump when the still painter or image decoding changes (text-to-video keys stay as they were). */
const STILLS_VERSION = 1;

/**
 * Cache key: a hash of the parameters, safe as a file name. The stills enter by their files' content
 * hashes, so two different images never share a video, and the same image under two URLs does.
 */
export function videoKey(spec: VideoSpec): string {
  const { width, height, fps, duration, prompt, seed, sound, stills } = spec;
  const parts: unknown[] = [RENDER_VERSION, width, height, fps, duration, prompt, seed, sound];
  if (stills) parts.push(STILLS_VERSION, stills.first ?? null, stills.last ?? null, stills.slides ?? null);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

/** The hashes of every file a spec's stills name. */
export function stillHashes(stills: VideoStills | undefined): string[] {
  if (!stills) return [];
  return [...new Set([stills.first, stills.last, ...(stills.slides ?? [])].filter((h): h is string => !!h))];
}
