import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxTaskInfo, startSandbox } from '../../../src/sandbox/index.js';
import { VIDEO_CACHE } from '../../helpers/sandbox.js';
import { decodeFrame, HAS_FFMPEG } from './ffmpeg-frames.js';
import { asyncHeaders, fakeClock, getTask, KF2V_PATH, listTasks, postCreate } from './helpers.js';
import {
  colourDistance,
  dataUrl,
  encodeJpeg,
  encodePng,
  OTHER_QUADRANTS,
  type Picture,
  pixel,
  QUADRANTS,
  QUADRANTS_WEBP,
  quadrants,
} from './images.js';
import { type FileServer, fakeMp4, startFileServer, uploadFile } from './media-fixtures.js';
import { type Mp4Info, mp4Info } from './mp4-info.js';

/**
 * Every Wan video mode, end to end: a valid create, the task SUCCEEDED, its usage as the mode's API
 * reference documents it (research modes.md §2.4, §3, §4.3, §5.3), and for one model of each family
 * the MP4 the video host serves: the size made from the input (or `size` for r2v), sound as the
 * catalogue says. Videos are encoded once and cached (VIDEO_CACHE); the rest read the task only.
 */

const clock = fakeClock();
const created: SandboxTaskInfo[] = [];
let sb: Sandbox;
let files: FileServer;

/** 4:3 and 3:4 pictures, a 16:9 clip header, a 3:2 last frame. */
const PORTRAIT = encodePng(quadrants(750, 1000));
const LANDSCAPE = encodePng(quadrants(640, 480));
const LAST = encodePng(quadrants(360, 240, OTHER_QUADRANTS));

beforeAll(async () => {
  sb = await startSandbox({
    clock,
    pendingMs: 0,
    runningMs: 0,
    videoCacheDir: VIDEO_CACHE,
    script: (task) => void created.push(task),
  });
  files = await startFileServer({
    '/portrait.png': PORTRAIT,
    '/landscape.png': LANDSCAPE,
    '/last.png': LAST,
    '/face.jpg': encodeJpeg(quadrants(480, 480)),
    '/cat.webp': QUADRANTS_WEBP,
    '/dance.mp4': fakeMp4(3, 1280, 720),
    '/walk.mov': fakeMp4(1, 720, 1280),
    '/long.mp4': fakeMp4(4, 640, 360),
    '/clip.mp4': fakeMp4(2.5, 1080, 1920),
  });
});
afterAll(async () => {
  await sb.close();
  await files.close();
});

/** Creates a task (on `path`), expects 200, and returns the finished task's body. */
async function run(body: Record<string, unknown>, path?: string, headers = asyncHeaders()) {
  const reply = await postCreate(sb, body, headers, path);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const task = await getTask(sb, reply.body.output.task_id);
  expect(task.body.output, JSON.stringify(task.body.output)).toMatchObject({ task_status: 'SUCCEEDED' });
  return { ...task.body, info: created.at(-1)! };
}

async function video(url: string): Promise<Mp4Info> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('video/mp4');
  return mp4Info(Buffer.from(await res.arrayBuffer()));
}

const kinds = (info: Mp4Info) => info.tracks.map((t) => `${t.handler}/${t.sampleEntry}`);

/** The largest channel error at the four quadrants' centres, against a quadrant picture's colours. */
function quadrantError(frame: Picture, colours: typeof QUADRANTS | typeof OTHER_QUADRANTS): number {
  const { width: w, height: h } = frame;
  const at = (fx: number, fy: number) => pixel(frame, Math.floor(w * fx), Math.floor(h * fy));
  return Math.max(
    colourDistance(at(0.25, 0.25), colours.topLeft),
    colourDistance(at(0.75, 0.25), colours.topRight),
    colourDistance(at(0.25, 0.75), colours.bottomLeft),
    colourDistance(at(0.75, 0.75), colours.bottomRight),
  );
}

/** H.264 at the sandbox's quantiser, 4:2:0, and back to RGB: flat areas come back within this. */
const ENCODING_TOLERANCE = 16;

/** The bodies whose videos the MP4 tests download (the ffmpeg tests make the same, from the cache). */
const I2V = {
  model: 'wanx2.1-i2v-turbo',
  input: { prompt: 'the quadrants slowly turn', img_url: dataUrl(PORTRAIT) },
  parameters: { resolution: '480P', duration: 3, seed: 11 },
};
const KF2V = () => ({
  model: 'wan2.2-kf2v-flash',
  input: { prompt: 'a cat looks up', first_frame_url: dataUrl(LANDSCAPE), last_frame_url: files.url('/last.png') },
  parameters: { resolution: '480P', seed: 5 },
});

describe('image-to-video from a first frame (input.img_url)', () => {
  it('wanx2.1-i2v-turbo: a data: PNG becomes a 480P video of its aspect, silent, with wan2.1 usage', async () => {
    const task = await run(I2V);
    expect(task.info).toMatchObject({ size: '544*720', resolution: '480P', duration: 3 });
    expect(task.usage).toEqual({ video_duration: 3, video_ratio: 'standard', video_count: 1 });
    expect(task.output).toMatchObject({ orig_prompt: 'the quadrants slowly turn', actual_prompt: expect.any(String) });
    const info = await video(task.output.video_url);
    expect(info).toMatchObject({ width: 544, height: 720, frames: 90, duration: 3 });
    expect(kinds(info)).toEqual(['vide/avc1']);
  });

  it('takes a JPEG or WebP over http(s), and needs no prompt', async () => {
    const jpeg = await run({ model: 'wan2.5-i2v-preview', input: { img_url: files.url('/face.jpg') } });
    // 1:1 at the default 1080P: √(1920·1080) = 1440.
    expect(jpeg.info.size).toBe('1440*1440');
    expect(jpeg.output.orig_prompt).toBeUndefined();
    const webp = await run({
      model: 'wan2.2-i2v-flash',
      input: { img_url: files.url('/cat.webp') },
      parameters: { resolution: '720P' },
    });
    expect(webp.info.size).toBe('960*960');
  });

  it.each([
    ['wan2.5-i2v-preview', { resolution: '720P', duration: 10 }, { duration: 10, SR: 720, video_count: 1 }],
    ['wan2.2-i2v-plus', { resolution: '480P' }, { duration: 5, SR: 480, video_count: 1 }],
    [
      'wan2.6-i2v',
      { resolution: '720P', duration: 7, shot_type: 'multi' },
      { duration: 7, input_video_duration: 0, output_video_duration: 7, video_count: 1, SR: 720 },
    ],
    [
      'wan2.6-i2v-flash',
      { audio: false },
      { duration: 5, input_video_duration: 0, output_video_duration: 5, video_count: 1, SR: 1080, audio: false },
    ],
    [
      'wan2.6-i2v-flash',
      { resolution: '720P' },
      { duration: 5, input_video_duration: 0, output_video_duration: 5, video_count: 1, SR: 720, audio: true },
    ],
    ['wanx2.1-i2v-plus', {}, { video_duration: 5, video_ratio: 'standard', video_count: 1 }],
  ])('%s %j: usage %j', async (model, parameters, usage) => {
    const task = await run({ model, input: { prompt: 'a wave', img_url: dataUrl(LANDSCAPE) }, parameters });
    expect(task.usage).toEqual(usage);
    // modes.md §2.4: wan2.6 returns no actual_prompt.
    if (model.startsWith('wan2.6')) expect(task.output.actual_prompt).toBeUndefined();
  });

  it('keeps audio_url for the models that take one', async () => {
    const task = await run({
      model: 'wan2.6-i2v-flash',
      input: { img_url: dataUrl(LANDSCAPE), audio_url: 'https://example.com/rap.mp3' },
    });
    expect(task.info.audioUrl).toBe('https://example.com/rap.mp3');
  });
});

describe('first and last frame (kf2v, on the image2video path)', () => {
  it('wan2.2-kf2v-flash: a 480P video of the first frame’s aspect, silent, usage with SR', async () => {
    const task = await run(KF2V(), KF2V_PATH);
    expect(task.usage).toEqual({ video_duration: 5, video_count: 1, SR: 480 });
    expect(task.output.actual_prompt).toEqual(expect.any(String));
    const info = await video(task.output.video_url);
    expect(info).toMatchObject({ width: 720, height: 544, frames: 150, duration: 5 });
    expect(kinds(info)).toEqual(['vide/avc1']);
  });

  it('wanx2.1-kf2v-plus: usage with video_ratio "standard"', async () => {
    const task = await run(
      {
        model: 'wanx2.1-kf2v-plus',
        input: { first_frame_url: dataUrl(PORTRAIT), last_frame_url: dataUrl(LAST) },
      },
      KF2V_PATH,
    );
    expect(task.info.size).toBe('816*1104');
    expect(task.usage).toEqual({ video_duration: 5, video_count: 1, video_ratio: 'standard' });
  });

  it('an effect template needs the first frame only', async () => {
    const task = await run(
      { model: 'wanx2.1-kf2v-plus', input: { first_frame_url: dataUrl(PORTRAIT), template: 'hanfu-1' } },
      KF2V_PATH,
    );
    expect(task.info.size).toBe('816*1104');
  });

  it('names the image2video service in the task list (§1.2’s example key)', async () => {
    await run(
      { model: 'wanx2.1-kf2v-plus', input: { first_frame_url: dataUrl(PORTRAIT), last_frame_url: dataUrl(LAST) } },
      KF2V_PATH,
    );
    const row = (await listTasks(sb, 'model_name=wanx2.1-kf2v-plus')).body.data[0];
    expect(row.user_api_unique_key).toBe('apikey:v1:aigc:image2video:video-synthesis:wanx2.1-kf2v-plus');
  });
});

describe('reference-to-video (input.reference_urls)', () => {
  it('wan2.6-r2v-flash: the size asked for, silent with audio:false, reference clip seconds billed', async () => {
    const task = await run({
      model: 'wan2.6-r2v-flash',
      input: {
        prompt: 'character1 dances with character2 in front of character3',
        reference_urls: [files.url('/dance.mp4'), files.url('/face.jpg'), files.url('/portrait.png')],
      },
      parameters: { size: '1280*720', duration: 2, audio: false, seed: 8 },
    });
    // Three references share 5 s: 1.65 s each (§4.3); the one clip (3 s) is billed 1.65 s.
    expect(task.usage).toEqual({
      duration: 3.65,
      size: '1280*720',
      input_video_duration: 1.65,
      output_video_duration: 2,
      video_count: 1,
      SR: 720,
    });
    expect(task.output.actual_prompt).toBeUndefined();
    const info = await video(task.output.video_url);
    expect(info).toMatchObject({ width: 1280, height: 720, frames: 60, duration: 2 });
    expect(kinds(info)).toEqual(['vide/avc1']);
  });

  it.each([
    // Two references: 2.5 s each; 1 s and 4 s clips bill 1 + 2.5.
    [['/walk.mov', '/long.mp4'], 3.5],
    // One clip alone: up to 5 s.
    [['/long.mp4'], 4],
    // Images only: nothing billed for input.
    [['/face.jpg'], 0],
  ])('wan2.6-r2v with %j bills %f s of input', async (refs, billed) => {
    const task = await run({
      model: 'wan2.6-r2v',
      input: { prompt: 'character1 walks', reference_urls: refs.map((r) => files.url(r)) },
      parameters: { size: '960*960', duration: 3 },
    });
    expect(task.usage).toMatchObject({ input_video_duration: billed, duration: billed + 3, size: '960*960' });
  });

  it('still takes the deprecated reference_video_urls', async () => {
    const task = await run({
      model: 'wan2.6-r2v',
      input: { prompt: 'character1 waves', reference_video_urls: [files.url('/walk.mov')] },
      parameters: { size: '1280*720' },
    });
    expect(task.usage).toMatchObject({ input_video_duration: 1, output_video_duration: 5 });
  });
});

describe('wan2.7-i2v (input.media)', () => {
  it('first and last frame uploaded, a driving audio: 720P of the first frame’s aspect, with sound', async () => {
    const model = 'wan2.7-i2v-2026-04-25';
    const first = await uploadFile(sb, model, 'first.png', PORTRAIT);
    const last = await uploadFile(sb, model, 'last.png', LAST);
    const task = await run(
      {
        model,
        input: {
          prompt: 'the colours swap places',
          media: [
            { type: 'first_frame', url: first },
            { type: 'last_frame', url: last },
            { type: 'driving_audio', url: 'https://example.com/rap.mp3' },
          ],
        },
        parameters: { resolution: '720P', duration: 2, seed: 3 },
      },
      undefined,
      { ...asyncHeaders(), 'x-dashscope-ossresourceresolve': 'enable' },
    );
    expect(task.info.audioUrl).toBe('https://example.com/rap.mp3');
    expect(task.usage).toEqual({
      duration: 2,
      input_video_duration: 0,
      output_video_duration: 2,
      video_count: 1,
      SR: 720,
    });
    expect(task.output.actual_prompt).toBeUndefined();
    const info = await video(task.output.video_url);
    expect(info).toMatchObject({ width: 816, height: 1104, frames: 60, duration: 2 });
    expect(kinds(info)).toEqual(['vide/avc1', 'soun/mp4a']);
  });

  it('a first clip sets the aspect; duration is the whole video', async () => {
    const task = await run({
      model: 'wan2.7-i2v',
      input: { media: [{ type: 'first_clip', url: files.url('/clip.mp4') }] },
      parameters: { resolution: '720P', duration: 10 },
    });
    // 9:16 at 720P.
    expect(task.info).toMatchObject({ size: '720*1280', duration: 10 });
    expect(task.usage).toMatchObject({ duration: 10, output_video_duration: 10, SR: 720 });
  });

  it('a first clip and a last frame, in any order', async () => {
    const task = await run({
      model: 'wan2.7-i2v',
      input: {
        media: [
          { type: 'last_frame', url: dataUrl(LAST) },
          { type: 'first_clip', url: files.url('/dance.mp4') },
        ],
      },
    });
    // 16:9 at the default 1080P.
    expect(task.info).toMatchObject({ size: '1920*1072', resolution: '1080P' });
  });
});

describe.skipIf(!HAS_FFMPEG)('the served MP4, decoded with ffmpeg', () => {
  it('image-to-video: the first frame shows the image’s colours', async () => {
    const task = await run(I2V);
    const mp4 = Buffer.from(await (await fetch(task.output.video_url)).arrayBuffer());
    expect(quadrantError(decodeFrame(mp4, 544, 720, 0), QUADRANTS)).toBeLessThanOrEqual(ENCODING_TOLERANCE);
  });

  it('first and last frame: the first frame is the first image, the last frame the last image', async () => {
    const task = await run(KF2V(), KF2V_PATH);
    const mp4 = Buffer.from(await (await fetch(task.output.video_url)).arrayBuffer());
    expect(quadrantError(decodeFrame(mp4, 720, 544, 0), QUADRANTS)).toBeLessThanOrEqual(ENCODING_TOLERANCE);
    expect(quadrantError(decodeFrame(mp4, 720, 544, 149), OTHER_QUADRANTS)).toBeLessThanOrEqual(ENCODING_TOLERANCE);
  });
});

describe('rate limits of the image models (catalogue)', () => {
  it('wanx2.1-kf2v-plus takes 1 create a second, wan2.7-i2v snapshots share their model’s 5', async () => {
    const limited = await startSandbox({ clock, pendingMs: 0, runningMs: 0, limits: true });
    try {
      const kf2v = {
        model: 'wanx2.1-kf2v-plus',
        input: { first_frame_url: dataUrl(LANDSCAPE), last_frame_url: dataUrl(LAST) },
      };
      expect((await postCreate(limited, kf2v, asyncHeaders(), KF2V_PATH)).status).toBe(200);
      expect((await postCreate(limited, kf2v, asyncHeaders(), KF2V_PATH)).status).toBe(429);
      const media = (model: string) => ({
        model,
        input: { media: [{ type: 'first_frame', url: dataUrl(LANDSCAPE) }] },
      });
      const statuses = [];
      for (const model of [
        'wan2.7-i2v',
        'wan2.7-i2v-2026-04-25',
        'wan2.7-i2v',
        'wan2.7-i2v',
        'wan2.7-i2v',
        'wan2.7-i2v',
      ])
        statuses.push((await postCreate(limited, media(model))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
