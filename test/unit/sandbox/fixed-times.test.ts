import { describe, expect, it } from 'vitest';
import { renderVideo } from '../../../src/sandbox/render-video.js';

describe('sandbox videos are the same bytes for the same spec', () => {
  it('whenever they are encoded: no encoding time in the movie, track or media headers', async () => {
    const spec = { width: 64, height: 48, fps: 24, duration: 1, prompt: 'same', seed: 1, sound: true };
    const first = Buffer.from(await renderVideo(spec));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the headers count whole seconds
    const second = Buffer.from(await renderVideo(spec));
    expect(second.equals(first)).toBe(true);
  });
});
