import { FramePainter } from './frame-painter.js';
import type { VideoSpec } from './video-spec.js';

/**
 * Paints and encodes a sandbox video: real H.264 in MP4 at the task's size, the model's fps and the
 * task's duration, plus a silent AAC track when the spec has sound. Synchronous WASM work of about a
 * second per 5 s of 480P (adding the sound costs a few tens of ms), so callers run it in a worker when
 * they can. The encoder and muxer are imported here, lazily, so nothing loads them unless a video is
 * served. The encoder's in-memory file system is shared by every encoder in a thread, so calls must
 * not overlap.
 */
export async function renderVideo(spec: VideoSpec): Promise<Uint8Array> {
  // Loading the muxer (a few hundred ms in a fresh worker) starts now, to overlap the encoder's start-up.
  const muxer = spec.sound ? import('./add-silent-audio.js') : undefined;
  muxer?.catch(() => undefined); // a failed import is reported below, or is moot if the encode failed
  const video = await encodeVideo(spec);
  return muxer ? (await muxer).addSilentAudio(video, spec.fps) : video;
}

async function encodeVideo(spec: VideoSpec): Promise<Uint8Array> {
  const HME = (await import('h264-mp4-encoder')).default;
  const encoder = await HME.createH264MP4Encoder();
  try {
    encoder.width = spec.width;
    encoder.height = spec.height;
    encoder.frameRate = spec.fps;
    // Fast and small: these videos are test fixtures, not art.
    encoder.quantizationParameter = 40;
    encoder.speed = 10;
    encoder.initialize();
    const painter = new FramePainter(spec);
    const frames = Math.max(1, Math.round(spec.fps * spec.duration));
    for (let i = 0; i < frames; i++) encoder.addFrameRgba(painter.paint(i));
    encoder.finalize();
    const mp4 = encoder.FS.readFile(encoder.outputFilename);
    encoder.FS.unlink(encoder.outputFilename);
    return mp4;
  } finally {
    encoder.delete();
  }
}
