import { createHash } from 'node:crypto';

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
}

/** Bump when the painter or encoder settings change, so old cached files are not served. */
const RENDER_VERSION = 2;

/** Cache key: a hash of the parameters, safe as a file name. */
export function videoKey(spec: VideoSpec): string {
  const { width, height, fps, duration, prompt, seed, sound } = spec;
  return createHash('sha256')
    .update(JSON.stringify([RENDER_VERSION, width, height, fps, duration, prompt, seed, sound]))
    .digest('hex')
    .slice(0, 40);
}
