/**
 * Worker-thread entry: renders one video (workerData is an EncodeJob) and posts the MP4 bytes back,
 * so the sandbox's event loop keeps answering polls while a video is encoded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderVideo } from './render-video.js';
import type { EncodeJob } from './video-encoder.js';

const job = workerData as EncodeJob;
const mp4 = await renderVideo(job.spec, job.inputs);
parentPort?.postMessage(mp4, [mp4.buffer as ArrayBuffer]);
