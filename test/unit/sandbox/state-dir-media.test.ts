import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';
import { asyncHeaders, fakeClock, getTask, postCreate, tempDir } from './helpers.js';
import { encodePng, quadrants } from './images.js';
import { uploadFile } from './media-fixtures.js';
import { mp4Info } from './mp4-info.js';

/**
 * Processes sharing a state dir serve each other's tasks (each `wan --sandbox …` runs its own
 * sandbox): a video made from an input image can be painted by another process than the one that
 * took the create, because the image is kept under `<stateDir>/media` by its hash.
 */

describe('input images in a shared state dir', () => {
  it('another process paints the video from the image the first one received', async () => {
    const clock = fakeClock();
    const [state, cacheA, cacheB] = await Promise.all([tempDir('state'), tempDir('cache-a'), tempDir('cache-b')]);
    const options = { clock, stateDir: state.path, pendingMs: 0, runningMs: 0 };
    const a = await startSandbox({ ...options, videoCacheDir: cacheA.path });
    const b = await startSandbox({ ...options, videoCacheDir: cacheB.path });
    try {
      const model = 'wanx2.1-i2v-turbo';
      const url = await uploadFile(a, model, 'tall.png', encodePng(quadrants(480, 960)));
      const reply = await postCreate(
        a,
        { model, input: { img_url: url }, parameters: { resolution: '480P', duration: 3, seed: 2 } },
        { ...asyncHeaders(), 'x-dashscope-ossresourceresolve': 'enable' },
      );
      expect(reply.status).toBe(200);
      const id = reply.body.output.task_id;
      expect((await getTask(b, id)).body.output.task_status).toBe('SUCCEEDED');
      expect(await readdir(join(state.path, 'media'))).toHaveLength(1);
      // 1:2 at 480P's pixel count.
      expect(mp4Info(await b.videoFor(id))).toMatchObject({ width: 432, height: 880, frames: 90 });
      expect(await readdir(cacheA.path).catch(() => [])).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([state.remove(), cacheA.remove(), cacheB.remove()]);
    }
  });
});
