import { describe, expect, it } from 'vitest';
import { WanClient } from '../../../src/api/client.js';
import { requestCost } from '../../../src/api/cost.js';
import { buildCreateRequest, type CreateTaskOptions } from '../../../src/api/create-request.js';
import { InputError } from '../../../src/api/errors/input-error.js';
import type { MediaInfo } from '../../../src/api/media-file.js';
import type { Region } from '../../../src/api/regions.js';

/*
 * Each family's request against the documented example of its API reference (research notes: the
 * first-frame reference 2.1–2.6, the first-and-last-frame reference 2.2, the reference-to-video
 * reference 2.6, the wan2.7 image-to-video reference): the same body, path and headers.
 */

const DOC = 'https://help-static-aliyun-doc.aliyuncs.com/file-manage-files/zh-CN';
const client = new WanClient({ apiKey: 'sk-test', region: 'beijing' });
const headersOf = (options: CreateTaskOptions) => client.describeCreate(buildCreateRequest(options, 'beijing'));

function refused(
  options: CreateTaskOptions,
  region: Region = 'beijing',
  known?: Map<string, MediaInfo & { name: string }>,
) {
  try {
    buildCreateRequest(options, region, known);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('not refused');
}

describe('image-to-video (first frame): input.img_url and parameters.resolution', () => {
  it('wan2.6-i2v-flash with an audio file, as documented', () => {
    const request = buildCreateRequest(
      {
        model: 'wan2.6-i2v-flash',
        prompt: '一幅都市奇幻艺术的场景。',
        image: `${DOC}/20250925/wpimhv/rap.png`,
        audioUrl: `${DOC}/20250925/ozwpvi/rap.mp3`,
        resolution: '720P',
        promptExtend: true,
        duration: 10,
        shotType: 'multi',
      },
      'beijing',
    );
    expect(request.body).toEqual({
      model: 'wan2.6-i2v-flash',
      input: {
        prompt: '一幅都市奇幻艺术的场景。',
        img_url: `${DOC}/20250925/wpimhv/rap.png`,
        audio_url: `${DOC}/20250925/ozwpvi/rap.mp3`,
      },
      parameters: { resolution: '720P', prompt_extend: true, duration: 10, shot_type: 'multi' },
    });
    expect(request.path).toBe('/services/aigc/video-generation/video-synthesis');
    expect(request.mode).toBe('i2v');
    expect(request.size).toBeUndefined();
    expect(request.tier).toBe('720P');
  });

  it('wan2.6-i2v-flash silent (audio: false), at the silent price', () => {
    const request = buildCreateRequest(
      {
        model: 'wan2.6-i2v-flash',
        prompt: '一只猫在草地上奔跑',
        image: 'https://cdn.translate.alibaba.com/r/wanx-demo-1.png',
        audio: false,
        resolution: '720P',
        promptExtend: true,
        watermark: true,
        duration: 5,
      },
      'beijing',
    );
    expect(request.body.parameters).toEqual({
      audio: false,
      resolution: '720P',
      prompt_extend: true,
      watermark: true,
      duration: 5,
    });
    expect(requestCost(request)?.amount).toBe(0.75);
  });

  it('wan2.2-i2v-plus with a data: URL, and no prompt needed', () => {
    const image = 'data:image/png;base64,GDU7MtCZzEbTbmRZ';
    const request = buildCreateRequest({ model: 'wan2.2-i2v-plus', image, resolution: '480P' }, 'beijing');
    expect(request.body).toEqual({
      model: 'wan2.2-i2v-plus',
      input: { img_url: image },
      parameters: { resolution: '480P' },
    });
  });

  it('without a model: the mode picks wan2.5-i2v-preview, at 1080P in the image’s aspect', () => {
    const request = buildCreateRequest({ prompt: 'a cat', image: 'https://example.com/cat.png' }, 'beijing');
    expect(request.body.model).toBe('wan2.5-i2v-preview');
    expect(request.body.parameters).toEqual({});
    expect(requestCost(request)?.amount).toBe(5);
  });

  it('Singapore and Virginia ids: wan2.1-i2v-turbo; wan2.6-i2v takes 5, 10 or 15 s on the global deployment', () => {
    const image = 'https://example.com/cat.png';
    expect(buildCreateRequest({ model: 'wanx2.1-i2v-turbo', image }, 'singapore').body.model).toBe('wan2.1-i2v-turbo');
    expect(buildCreateRequest({ image }, 'virginia').body.model).toBe('wan2.6-i2v');
    expect(refused({ image, duration: 7 }, 'virginia').message).toMatch(/5 or 10 or 15 seconds in virginia/);
    expect(buildCreateRequest({ model: 'wan2.6-i2v', image, duration: 7 }, 'singapore').body.parameters.duration).toBe(
      7,
    );
  });
});

describe('first and last frame (kf2v): its own path, first_frame_url and last_frame_url', () => {
  it('wan2.2-kf2v-flash as documented, on /image2video/', () => {
    const options: CreateTaskOptions = {
      model: 'wan2.2-kf2v-flash',
      image: 'https://wanx.alicdn.com/material/20250318/first_frame.png',
      lastFrame: 'https://wanx.alicdn.com/material/20250318/last_frame.png',
      prompt: '写实风格，一只黑色小猫好奇地看向天空',
      resolution: '480P',
      promptExtend: true,
    };
    const request = buildCreateRequest(options, 'beijing');
    expect(request.body).toEqual({
      model: 'wan2.2-kf2v-flash',
      input: {
        first_frame_url: 'https://wanx.alicdn.com/material/20250318/first_frame.png',
        last_frame_url: 'https://wanx.alicdn.com/material/20250318/last_frame.png',
        prompt: '写实风格，一只黑色小猫好奇地看向天空',
      },
      parameters: { resolution: '480P', prompt_extend: true },
    });
    expect(request.mode).toBe('kf2v');
    const sent = headersOf(options);
    expect(sent.url).toBe('https://dashscope.aliyuncs.com/api/v1/services/aigc/image2video/video-synthesis');
    expect(sent.headers['x-dashscope-async']).toBe('enable');
  });

  it('wanx2.1-kf2v-plus with data: URLs; the default in Singapore, where wan2.2-kf2v-flash is not offered', () => {
    const frames = { image: 'data:image/png;base64,GDU7MtCZ', lastFrame: 'data:image/png;base64,VBORw0KG' };
    expect(buildCreateRequest({ ...frames, model: 'wanx2.1-kf2v-plus' }, 'beijing').body.input).toEqual({
      first_frame_url: frames.image,
      last_frame_url: frames.lastFrame,
    });
    expect(buildCreateRequest(frames, 'singapore').body.model).toBe('wan2.1-kf2v-plus');
    expect(refused(frames, 'virginia').message).toMatch(/no first-and-last-frame model is offered in virginia/);
  });
});

describe('reference-to-video (r2v): reference_urls and size', () => {
  const references = [
    `${DOC}/20260129/hfugmr/wan-r2v-role1.mp4`,
    `${DOC}/20260129/qigswt/wan-r2v-role2.mp4`,
    `${DOC}/20260129/qpzxps/wan-r2v-object4.png`,
    `${DOC}/20260129/wfjikw/wan-r2v-backgroud5.png`,
  ];

  it('wan2.6-r2v-flash as documented', () => {
    const request = buildCreateRequest(
      {
        model: 'wan2.6-r2v-flash',
        prompt: 'Character2 坐在靠窗的椅子上',
        references,
        size: '1280*720',
        duration: 10,
        audio: true,
        shotType: 'multi',
        watermark: true,
      },
      'beijing',
    );
    expect(request.body).toEqual({
      model: 'wan2.6-r2v-flash',
      input: { prompt: 'Character2 坐在靠窗的椅子上', reference_urls: references },
      parameters: { size: '1280*720', duration: 10, audio: true, shot_type: 'multi', watermark: true },
    });
    expect(request.mode).toBe('r2v');
    expect(request.path).toBe('/services/aigc/video-generation/video-synthesis');
  });

  it('prices the reference clips too: at most 5 s in all, shared evenly, images free', () => {
    const twoClipsTwoImages = buildCreateRequest({ prompt: 'p', references, size: '1280*720', duration: 5 }, 'beijing');
    // 4 references: 1.25 s each at most; the two clips are billed 2.5 s, besides the 5 s made.
    expect(twoClipsTwoImages.inputSeconds).toBe(2.5);
    expect(requestCost(twoClipsTwoImages)?.amount).toBe(2.25);
    const known = new Map([
      [
        'oss://x/clip',
        { kind: 'video' as const, format: 'mp4' as const, mime: 'video/mp4', bytes: 9, seconds: 1.2, name: 'clip.mp4' },
      ],
    ]);
    const short = buildCreateRequest({ prompt: 'p', references: ['oss://x/clip'], size: '1280*720' }, 'beijing', known);
    expect(short.inputSeconds).toBe(1.2);
  });

  it('needs a prompt; at most 5 references, at most 3 clips; http(s) or oss:// only', () => {
    expect(refused({ references: [references[0]!] }).field).toBe('prompt');
    expect(refused({ prompt: 'p', references: [...references, ...references] }).message).toMatch(
      /at most 5 references/,
    );
    const clips = ['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4'].map((f) => `https://example.com/${f}`);
    expect(refused({ prompt: 'p', references: clips }).message).toMatch(/at most 3 reference clips/);
    expect(refused({ prompt: 'p', references: ['data:image/png;base64,AAAA'] }).message).toMatch(
      /http:\/\/, https:\/\/ or oss:\/\//,
    );
  });
});

describe("wan2.7-i2v's media list", () => {
  const first = `${DOC}/20250925/wpimhv/rap.png`;

  it('first frame and driving audio, as documented (the dated snapshot is sent as asked)', () => {
    const request = buildCreateRequest(
      {
        model: 'wan2.7-i2v-2026-04-25',
        prompt: '一幅都市奇幻艺术的场景。',
        image: first,
        audioUrl: `${DOC}/20250925/ozwpvi/rap.mp3`,
        resolution: '720P',
        duration: 10,
        promptExtend: true,
        watermark: true,
      },
      'beijing',
    );
    expect(request.body).toEqual({
      model: 'wan2.7-i2v-2026-04-25',
      input: {
        prompt: '一幅都市奇幻艺术的场景。',
        media: [
          { type: 'first_frame', url: first },
          { type: 'driving_audio', url: `${DOC}/20250925/ozwpvi/rap.mp3` },
        ],
      },
      parameters: { resolution: '720P', duration: 10, prompt_extend: true, watermark: true },
    });
  });

  it('first and last frame make kf2v; a clip, with or without a last frame, continues it', () => {
    const last = 'https://wanx.alicdn.com/material/20250318/last_frame.png';
    const kf = buildCreateRequest({ model: 'wan2.7-i2v', image: first, lastFrame: last }, 'beijing');
    expect(kf.mode).toBe('kf2v');
    expect(kf.body.input.media).toEqual([
      { type: 'first_frame', url: first },
      { type: 'last_frame', url: last },
    ]);
    const clip = `${DOC}/20260129/hfugmr/wan-r2v-role1.mp4`;
    expect(buildCreateRequest({ model: 'wan2.7-i2v', clip, lastFrame: last }, 'beijing').body.input.media).toEqual([
      { type: 'first_clip', url: clip },
      { type: 'last_frame', url: last },
    ]);
  });

  it('refuses what the model does not take: audio with a clip, a clip with a frame, size or ratio, --no-audio', () => {
    const clip = 'https://example.com/clip.mp4';
    expect(refused({ model: 'wan2.7-i2v', clip, audioUrl: 'https://example.com/a.mp3' }).field).toBe('audioUrl');
    expect(refused({ model: 'wan2.7-i2v', clip, image: first }).field).toBe('clip');
    expect(refused({ model: 'wan2.7-i2v', image: first, size: '1280*720' }).field).toBe('size');
    expect(refused({ model: 'wan2.7-i2v', image: first, ratio: '16:9' }).field).toBe('ratio');
    expect(refused({ model: 'wan2.7-i2v', image: first, audio: false }).message).toMatch(/always makes sound/);
  });
});

describe('inputs and models that do not go together are refused before sending', () => {
  const image = 'https://example.com/cat.png';

  it.each([
    [
      'a text model with an image',
      { model: 'wan2.6-t2v', prompt: 'p', image },
      'model',
      /does not make image-to-video/,
    ],
    ['an image model without an image', { model: 'wan2.5-i2v-preview', prompt: 'p' }, 'image', /--image/],
    ['a reference model without references', { model: 'wan2.6-r2v', prompt: 'p' }, 'references', /--reference/],
    ['a last frame alone', { lastFrame: image }, 'lastFrame', /needs a first frame/],
    ['references with a frame', { prompt: 'p', references: [image], image }, 'image', /references only/],
    [
      'a clip on a model that does not continue clips',
      { model: 'wan2.6-i2v', clip: 'https://e.com/c.mp4' },
      'clip',
      /wan2\.7-i2v/,
    ],
    ['a size on an image model', { image, size: '832*480' }, 'size', /keeps the aspect of its input image/],
    [
      'a tier the model lacks',
      { model: 'wanx2.1-kf2v-plus', image, lastFrame: image, resolution: '480P' },
      'resolution',
      /720P/,
    ],
    [
      'a duration a fixed-length model lacks',
      { model: 'wan2.2-kf2v-flash', image, lastFrame: image, duration: 10 },
      'duration',
      /5 seconds/,
    ],
    [
      'an audio file on a silent model',
      { model: 'wan2.2-i2v-flash', image, audioUrl: 'https://e.com/a.mp3' },
      'audioUrl',
      /silent/,
    ],
    [
      '--no-audio on a model that always has sound',
      { model: 'wan2.6-i2v', image, audio: false },
      'audio',
      /always makes sound/,
    ],
    ['a shot type on wan2.5-i2v-preview', { image, shotType: 'multi' }, 'shotType', /wan2\.6/],
    ['an FTP image', { image: 'ftp://example.com/cat.png' }, 'image', /must start with/],
    ['a declared mode the inputs do not make', { mode: 'kf2v', image }, 'mode', /make i2v/],
  ] as const)('%s', (_name, options, field, message) => {
    const error = refused(options as CreateTaskOptions);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('an oss:// input asks the service to resolve it', () => {
    const request = buildCreateRequest({ image: 'oss://dashscope-instant/abc/cat.png' }, 'beijing');
    expect(request.headers).toEqual({ 'x-dashscope-ossresourceresolve': 'enable' });
  });
});
