import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Picture } from './images.js';

/**
 * Decoding the sandbox's MP4s with ffmpeg, where it is installed (it is not a dependency: CI may not
 * have it, so tests that use this skip when `HAS_FFMPEG` is false; the painter tests check the same
 * frames without it).
 */

export const HAS_FFMPEG = (() => {
  try {
    return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

/** Frame `index` of an MP4 as RGBA. */
export function decodeFrame(mp4: Uint8Array, width: number, height: number, index: number): Picture {
  const dir = mkdtempSync(join(tmpdir(), 'wan-frames-'));
  try {
    const file = join(dir, 'in.mp4');
    writeFileSync(file, mp4);
    const args = ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${index})`, '-fps_mode', 'passthrough'];
    const out = spawnSync('ffmpeg', [...args, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], {
      maxBuffer: width * height * 4 + 1024,
    });
    if (out.status !== 0 || out.stdout.length !== width * height * 4)
      throw new Error(`ffmpeg could not decode frame ${index}: ${out.stderr?.toString()}`);
    return { width, height, data: new Uint8Array(out.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
