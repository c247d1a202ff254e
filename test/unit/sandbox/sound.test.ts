import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../../src/api/catalogue.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { renderVideo } from '../../../src/sandbox/render-video.js';
import type { TaskRecord } from '../../../src/sandbox/task-record.js';
import { videoSpecOf } from '../../../src/sandbox/video-host.js';
import { VIDEO_CACHE } from '../../helpers/sandbox.js';
import { fakeClock, getTask, postCreate, t2v, UUID } from './helpers.js';
import { type Mp4Info, mp4Info } from './mp4-info.js';

/**
 * Videos of models that make sound carry an AAC track (silence is enough); `parameters.audio: false`
 * and silent models give video only (dashscope-api.md §3.1, §3.3, §8.8). The tracks are read from the
 * boxes (mp4-info.ts), not with the muxer that wrote them.
 */

/** One AAC-LC frame is 1024 samples; the sandbox's audio is 48 kHz mono. */
const AAC_FRAME_SECONDS = 1024 / 48000;

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 0, runningMs: 0, videoCacheDir: VIDEO_CACHE });
});
afterAll(() => sb.close());

async function videoOf(model: string, parameters: Record<string, unknown>): Promise<Mp4Info> {
  const reply = await postCreate(sb, t2v(model, parameters, 'a brass band marching in the rain'));
  expect(reply.status).toBe(200);
  const task = await getTask(sb, reply.body.output.task_id);
  const res = await fetch(task.body.output.video_url);
  expect(res.status).toBe(200);
  return mp4Info(Buffer.from(await res.arrayBuffer()));
}

const kinds = (info: Mp4Info) => info.tracks.map((t) => `${t.handler}/${t.sampleEntry}`);

/** An audio track that covers the video and ends within one AAC frame after it. */
function expectSoundFor(info: Mp4Info, seconds: number): void {
  expect(kinds(info)).toEqual(['vide/avc1', 'soun/mp4a']);
  const audio = info.tracks[1]!;
  expect(audio).toMatchObject({ channels: 1, sampleRate: 48000 });
  expect(audio.samples).toBe(Math.ceil(seconds / AAC_FRAME_SECONDS));
  expect(audio.duration).toBeGreaterThanOrEqual(seconds);
  expect(audio.duration).toBeLessThan(seconds + AAC_FRAME_SECONDS);
  expect(info.duration).toBe(seconds);
}

describe('sound', () => {
  it('a model that makes sound (wan2.5) gives H.264 video and an AAC track as long', async () => {
    const info = await videoOf('wan2.5-t2v-preview', { size: '832*480', seed: 3 });
    expectSoundFor(info, 5);
    expect(info).toMatchObject({ width: 832, height: 480, frames: 120 });
  });

  it('parameters.audio: false gives video only', async () => {
    const info = await videoOf('wan2.5-t2v-preview', { size: '832*480', seed: 3, audio: false });
    expect(kinds(info)).toEqual(['vide/avc1']);
    expect(info).toMatchObject({ width: 832, height: 480, frames: 120, duration: 5 });
  });

  it('a silent model (wan2.2) gives video only, even when asked for audio (tolerated, §3.1)', async () => {
    const info = await videoOf('wan2.2-t2v-plus', { size: '832*480', seed: 3, audio: true });
    expect(kinds(info)).toEqual(['vide/avc1']);
  });

  it.each([['false'], [0], [1], ['yes'], [{}], [[]]])(
    'refuses parameters.audio %j with 400 InvalidParameter, like other wrong types',
    async (audio) => {
      const reply = await postCreate(sb, t2v('wan2.5-t2v-preview', { audio }));
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        code: 'InvalidParameter',
        message: 'Required parameter(audio) missing or invalid, please check the request parameters.',
        request_id: expect.stringMatching(UUID),
      });
    },
  );

  it('takes audio: null as absent, as other parameters (the Python SDK sends null for unset values)', async () => {
    expect((await postCreate(sb, t2v('wan2.5-t2v-preview', { audio: null }))).status).toBe(200);
  });

  it('decides sound from the catalogue and parameters.audio for every model', () => {
    const record = (modelId: string, parameters: Record<string, unknown> = {}) =>
      ({
        id: 'x',
        model: modelId,
        modelId,
        prompt: 'p',
        parameters,
        size: '1280*720',
        duration: 5,
        fps: 30,
        seed: 1,
        promptExtend: true,
        submitTime: 0,
        pendingMs: 0,
        runningMs: 0,
        outcome: { status: 'SUCCEEDED' },
      }) as TaskRecord;
    const sound = Object.fromEntries(MODELS.map((m) => [m.id, videoSpecOf(record(m.id))?.sound]));
    // modes.md §8: wan2.6/2.5 i2v, both r2v and wan2.7-i2v make sound; wan2.2/2.1 i2v and every kf2v are silent.
    expect(sound).toEqual({
      'wan2.6-t2v': true,
      'wan2.5-t2v-preview': true,
      'wan2.2-t2v-plus': false,
      'wanx2.1-t2v-turbo': false,
      'wanx2.1-t2v-plus': false,
      'wan2.7-t2v': true,
      'wan2.6-i2v-flash': true,
      'wan2.6-i2v': true,
      'wan2.5-i2v-preview': true,
      'wan2.2-i2v-flash': false,
      'wan2.2-i2v-plus': false,
      'wanx2.1-i2v-turbo': false,
      'wanx2.1-i2v-plus': false,
      'wan2.2-kf2v-flash': false,
      'wanx2.1-kf2v-plus': false,
      'wan2.7-i2v': true,
      'wan2.6-r2v-flash': true,
      'wan2.6-r2v': true,
    });
    for (const m of MODELS) expect(videoSpecOf(record(m.id, { audio: false }))?.sound, m.id).toBe(false);
    expect(videoSpecOf(record('wan2.6-t2v', { audio: true }))?.sound).toBe(true);
  });

  it('renders sound for short and odd lengths too, covering the video to the last frame', async () => {
    const spec = { width: 64, height: 48, fps: 30, prompt: 'tiny', seed: 1, sound: true };
    for (const duration of [1, 3])
      expectSoundFor(mp4Info(Buffer.from(await renderVideo({ ...spec, duration }))), duration);
  });
});
