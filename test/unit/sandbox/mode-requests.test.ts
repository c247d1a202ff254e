import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { asyncHeaders, fakeClock, KF2V_PATH, listTasks, postCreate, UUID } from './helpers.js';
import { dataUrl, encodePng, quadrants } from './images.js';
import { uploadFile } from './media-fixtures.js';

/**
 * Malformed requests of the image, frames, references and media shapes are refused at create, with
 * HTTP 400 and no task, as validate-create refuses malformed text-to-video requests (dashscope-api.md
 * §5): a required input missing or of the wrong type, a list of the wrong length, a wan2.7 media list
 * the model does not take (modes.md §5.1), a size or ratio for a model whose aspect follows its input,
 * an input URL of a form the field does not take (modes.md §7).
 */

const clock = fakeClock();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 0, runningMs: 0 });
});
afterAll(() => sb.close());

const IMAGE = dataUrl(encodePng(quadrants(320, 240)));
const CLIP = 'http://127.0.0.1:9/clip.mp4';
const missing = (name: string) => ({
  code: 'InvalidParameter',
  message: `Required parameter(${name}) missing or invalid, please check the request parameters.`,
});

/** Posts, expects a 400 with exactly this code and message, and that no task was made. */
async function expectRefused(
  body: unknown,
  error: { code: string; message: string | RegExp },
  options: { path?: string; headers?: Record<string, string> } = {},
) {
  const before = (await listTasks(sb)).body.total;
  const reply = await postCreate(sb, body, options.headers ?? asyncHeaders(), options.path);
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  const message = typeof error.message === 'string' ? error.message : expect.stringMatching(error.message);
  expect(reply.body).toEqual({ code: error.code, message, request_id: expect.stringMatching(UUID) });
  expect((await listTasks(sb)).body.total).toBe(before);
}

describe('image-to-video', () => {
  it.each([
    ['no img_url', {}],
    ['an empty img_url', { img_url: ' ' }],
    ['an img_url that is not a string', { img_url: 42 }],
  ])('%s: InvalidParameter(img_url)', async (_, input) => {
    await expectRefused({ model: 'wan2.5-i2v-preview', input: { prompt: 'x', ...input } }, missing('img_url'));
  });

  it('a prompt that is not a string: InvalidParameter(prompt)', async () => {
    await expectRefused({ model: 'wan2.5-i2v-preview', input: { prompt: 7, img_url: IMAGE } }, missing('prompt'));
  });

  it.each([
    ['size', { size: '1280*720' }],
    ['ratio', { ratio: '16:9' }],
  ])('%s, which the model does not take (the aspect follows the image): InvalidParameter', async (name, parameters) => {
    await expectRefused(
      { model: 'wan2.6-i2v-flash', input: { img_url: IMAGE }, parameters },
      {
        code: 'InvalidParameter',
        message: `The parameter ${name} is not supported by model wan2.6-i2v-flash; use resolution (the aspect ratio follows the input) instead.`,
      },
    );
  });
});

describe('first and last frame', () => {
  const kf2v = (input: Record<string, unknown>) => ({ model: 'wan2.2-kf2v-flash', input });

  it('no first_frame_url: InvalidParameter(first_frame_url)', async () => {
    await expectRefused(kf2v({ last_frame_url: IMAGE }), missing('first_frame_url'), { path: KF2V_PATH });
  });

  it('no last_frame_url and no template: InvalidParameter(last_frame_url)', async () => {
    await expectRefused(kf2v({ first_frame_url: IMAGE }), missing('last_frame_url'), { path: KF2V_PATH });
  });

  it('a first-frame model sent to the kf2v path: the url error, as before', async () => {
    await expectRefused(
      { model: 'wan2.5-i2v-preview', input: { img_url: IMAGE } },
      { code: 'InvalidParameter', message: /^url error, please check url/ },
      { path: KF2V_PATH },
    );
  });
});

describe('reference-to-video', () => {
  const r2v = (input: Record<string, unknown>, parameters: Record<string, unknown> = {}) => ({
    model: 'wan2.6-r2v-flash',
    input,
    parameters,
  });
  const refs = (n: number) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:9/ref${i}.png`);

  it('no prompt (r2v needs one to name its characters): InvalidParameter(prompt)', async () => {
    await expectRefused(r2v({ reference_urls: refs(1) }), missing('prompt'));
  });

  it.each([
    ['no reference_urls', undefined],
    ['an empty list', []],
    ['a list that is not one', 'http://127.0.0.1:9/a.png'],
    ['a list with an empty URL', ['http://127.0.0.1:9/a.png', '']],
    ['six references (five at most)', refs(6)],
  ])('%s: InvalidParameter(reference_urls)', async (_, list) => {
    await expectRefused(r2v({ prompt: 'character1 waves', reference_urls: list }), missing('reference_urls'));
  });

  it('four deprecated reference_video_urls (three at most): InvalidParameter(reference_video_urls)', async () => {
    await expectRefused(
      r2v({ prompt: 'character1 waves', reference_video_urls: refs(4) }),
      missing('reference_video_urls'),
    );
  });

  it('a data: URL (r2v takes http(s) and oss:// only): InvalidURL', async () => {
    await expectRefused(r2v({ prompt: 'character1 waves', reference_urls: [IMAGE] }), {
      code: 'InvalidURL',
      message: 'Invalid URL provided in your request.',
    });
  });

  it('resolution instead of size: InvalidParameter, as for text-to-video', async () => {
    await expectRefused(r2v({ prompt: 'character1 waves', reference_urls: refs(1) }, { resolution: '720P' }), {
      code: 'InvalidParameter',
      message: 'The parameter resolution is not supported by model wan2.6-r2v-flash; use size (W*H) instead.',
    });
  });
});

describe('wan2.7-i2v media', () => {
  const media = (items: unknown, parameters: Record<string, unknown> = {}) => ({
    model: 'wan2.7-i2v',
    input: { media: items },
    parameters,
  });
  const FRAME = { type: 'first_frame', url: IMAGE };
  const LAST = { type: 'last_frame', url: IMAGE };
  const AUDIO = { type: 'driving_audio', url: 'https://example.com/voice.mp3' };
  const FIRST_CLIP = { type: 'first_clip', url: CLIP };

  it.each([
    ['no media', undefined, 'media'],
    ['an empty list', [], 'media'],
    ['an unknown type', [{ type: 'reference_image', url: IMAGE }], 'media[0]'],
    ['an item without url', [FRAME, { type: 'last_frame' }], 'media[1]'],
    ['an item that is not an object', ['first_frame'], 'media[0]'],
  ])('%s: InvalidParameter(%s)', async (_, items, name) => {
    await expectRefused(media(items), missing(name));
  });

  it('a type given twice: InvalidParameter', async () => {
    await expectRefused(media([FRAME, FRAME]), {
      code: 'InvalidParameter',
      message: 'The media type first_frame may appear only once in media.',
    });
  });

  it.each([
    ['a last frame alone', [LAST]],
    ['a driving audio alone', [AUDIO]],
    ['a first frame and a first clip', [FRAME, FIRST_CLIP]],
    ['a first clip with a driving audio', [FIRST_CLIP, AUDIO]],
    ['a first clip, a last frame and a driving audio', [FIRST_CLIP, LAST, AUDIO]],
  ])('%s, not one of the six combinations: InvalidParameter naming it', async (_, items) => {
    const sent = items
      .map((i) => i.type)
      .sort()
      .join('+');
    await expectRefused(media(items), {
      code: 'InvalidParameter',
      message: `The media combination ${sent} is not supported; use one of: first_frame, first_frame+driving_audio, first_frame+last_frame, first_frame+last_frame+driving_audio, first_clip, first_clip+last_frame.`,
    });
  });

  it.each([[[FRAME]], [[AUDIO, FRAME]], [[FRAME, LAST]], [[LAST, AUDIO, FRAME]], [[FIRST_CLIP]], [[LAST, FIRST_CLIP]]])(
    'takes %j',
    async (items) => {
      expect((await postCreate(sb, media(items))).status).toBe(200);
    },
  );

  it('a ratio (the aspect follows the input): InvalidParameter', async () => {
    await expectRefused(media([FRAME], { ratio: '9:16' }), {
      code: 'InvalidParameter',
      message:
        'The parameter ratio is not supported by model wan2.7-i2v; use resolution (the aspect ratio follows the input) instead.',
    });
  });

  it('a driving audio of another type: InvalidURL, as for audio_url', async () => {
    await expectRefused(media([FRAME, { type: 'driving_audio', url: 'https://example.com/voice.ogg' }]), {
      code: 'InvalidURL',
      message: 'File type is not supported. Allowed types are: .wav, .mp3.',
    });
  });

  it('a first clip as a data: URL (images only): InvalidURL', async () => {
    await expectRefused(media([{ type: 'first_clip', url: 'data:image/png;base64,AAAA' }]), {
      code: 'InvalidURL',
      message: 'Invalid URL provided in your request.',
    });
  });
});

describe('input URLs', () => {
  const i2v = (url: string) => ({ model: 'wan2.5-i2v-preview', input: { img_url: url } });
  const BAD_TYPE =
    'The request URL is invalid, please check the request URL is available and the request image format is one of the following types: JPEG, JPG, PNG, BMP, and WEBP.';

  it.each([
    ['ftp://example.com/cat.png', 'Invalid URL provided in your request.'],
    ['cat.png', 'Invalid URL provided in your request.'],
    ['file:///tmp/cat.png', 'Invalid URL provided in your request.'],
    ['data:image/gif;base64,R0lGODlh', BAD_TYPE],
    ['data:image/jpg;base64,/9j/', BAD_TYPE],
    ['data:image/png,not-base64', BAD_TYPE],
    ['data:image/png;base64', BAD_TYPE],
    ['data:image/png;base64,***', 'Invalid URL provided in your request.'],
  ])('%s: InvalidURL', async (url, message) => {
    await expectRefused(i2v(url), { code: 'InvalidURL', message });
  });

  it('an oss:// image needs X-DashScope-OssResourceResolve, as an oss:// audio does', async () => {
    const url = await uploadFile(sb, 'wan2.5-i2v-preview', 'cat.png', encodePng(quadrants(320, 240)));
    await expectRefused(i2v(url), {
      code: 'InvalidParameter',
      message: 'The provided URL does not appear to be valid. Ensure it is correctly formatted.',
    });
    const resolving = { ...asyncHeaders(), 'x-dashscope-ossresourceresolve': 'enable' };
    expect((await postCreate(sb, i2v(url), resolving)).status).toBe(200);
  });

  it('an oss:// image uploaded for another model does not resolve', async () => {
    const url = await uploadFile(sb, 'wan2.6-i2v', 'cat.png', encodePng(quadrants(320, 240)));
    await expectRefused(
      i2v(url),
      { code: 'InvalidParameter', message: new RegExp(`^The file ${url} cannot be resolved`) },
      { headers: { ...asyncHeaders(), 'x-dashscope-ossresourceresolve': 'enable' } },
    );
  });
});
