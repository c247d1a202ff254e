/**
 * Worker-thread entry: renders one video (workerData is a VideoSpec) and posts the MP4 bytes back,
 * so the sandbox's event loop keeps answering polls while a video is encoded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderVideo } from './render-video.js';
import type { VideoSpec } from './video-spec.js';

const mp4 = await renderVideo(workerData as VideoSpec);
parentPort?.postMessage(mp4, [mp4.buffer as ArrayBuffer]);
