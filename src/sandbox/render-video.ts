import { fixMovieTimes } from './fixed-times.js';
import { FramePainter } from './frame-painter.js';
import { StillPainter } from './still-painter.js';
import { loadPictures } from './still-pictures.js';
import type { VideoInputs, VideoSpec } from './video-spec.js';

/**
 * Paints and encodes a sandbox video: real H.264 in MP4 at the task's size, the model's fps and the
 * task's duration, plus a silent AAC track when the spec has sound. Synchronous WASM work of about a
 * second per 5 s of 480P (adding the sound costs a few tens of ms), so callers run it in a worker when
 * they can. The encoder and muxer are imported here, lazily, so nothing loads them unless a video is
 * served. The encoder's in-memory file system is shared by every encoder in a thread, so calls must
 * not overlap. `inputs` holds the files the spec's stills name (by hash).
 */
export async function renderVideo(spec: VideoSpec, inputs: VideoInputs = {}): Promise<Uint8Array> {
  // Loading the muxer (a few hundred ms in a fresh worker) starts now, to overlap the encoder's start-up.
  const muxer = spec.sound ? import('./add-silent-audio.js') : undefined;
  muxer?.catch(() => undefined); // a failed import is reported below, or is moot if the encode failed
  const video = await encodeVideo(spec, inputs);
  return fixMovieTimes(muxer ? await (await muxer).addSilentAudio(video, spec.fps) : video);
}

/** The number of frames of a spec's video. */
export function frameCount(spec: Pick<VideoSpec, 'fps' | 'duration'>): number {
  return Math.max(1, Math.round(spec.fps * spec.duration));
}

/** The painter of a spec's frames: from its input pictures if it has any, else procedural. */
export async function painterFor(spec: VideoSpec, inputs: VideoInputs): Promise<{ paint(i: number): Uint8Array }> {
  const { stills } = spec;
  if (!stills) return new FramePainter(spec);
  return new StillPainter(spec, await loadPictures({ ...spec, stills }, inputs), frameCount(spec));
}

async function encodeVideo(spec: VideoSpec, inputs: VideoInputs): Promise<Uint8Array> {
  const painter = await painterFor(spec, inputs);
  const HME = (await import('h264-mp4-encoder')).default;
  const encoder = await HME.createH264MP4Encoder();
  try {
    encoder.width = spec.width;
    encoder.height = spec.height;
    encoder.frameRate = spec.fps;
    // Fast: these videos are fixtures, not art. The coarsest quantizer encodes in about 60 % of
    // the time of 40 (bench/README.md) and still keeps an input image's colours within a few levels.
    encoder.quantizationParameter = 51;
    encoder.speed = 10;
    encoder.initialize();
    const frames = frameCount(spec);
    for (let i = 0; i < frames; i++) encoder.addFrameRgba(painter.paint(i));
    encoder.finalize();
    const mp4 = encoder.FS.readFile(encoder.outputFilename);
    encoder.FS.unlink(encoder.outputFilename);
    return mp4;
  } finally {
    encoder.delete();
  }
}
