import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { VideoInputs, VideoSpec } from './video-spec.js';

/** What a worker renders: the spec and the input files its stills name. */
export interface EncodeJob {
  spec: VideoSpec;
  inputs: VideoInputs;
}

/**
 * Runs video encodes one at a time (they are CPU-bound, and the WASM encoder's file system is shared
 * within a thread). From the compiled package each encode runs in a worker thread so the sandbox keeps
 * answering polls meanwhile; when the worker file is absent (tests running the TypeScript sources) it
 * encodes in-process instead.
 */
export class VideoEncoder {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly workers = new Set<Worker>();
  private closed = false;
  private readonly workerFile: URL | undefined;

  constructor() {
    const file = new URL('./encode-worker.js', import.meta.url);
    this.workerFile = file.protocol === 'file:' && existsSync(fileURLToPath(file)) ? file : undefined;
  }

  /** How encodes run here (for tests and debugging). */
  get mode(): 'worker' | 'in-process' {
    return this.workerFile ? 'worker' : 'in-process';
  }

  encode(spec: VideoSpec, inputs: VideoInputs = {}): Promise<Uint8Array> {
    const run = this.queue.then(() => this.encodeNow({ spec, inputs }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops running workers; pending encodes reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private async encodeNow(job: EncodeJob): Promise<Uint8Array> {
    if (this.closed) throw new Error('sandbox closed');
    if (!this.workerFile) return (await import('./render-video.js')).renderVideo(job.spec, job.inputs);
    const worker = new Worker(this.workerFile, { workerData: job });
    this.workers.add(worker);
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        worker.once('message', (mp4: Uint8Array) => resolve(mp4));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`video encoder worker exited with code ${code}`)));
      });
    } finally {
      this.workers.delete(worker);
    }
  }
}
