import { describe, expect, it } from 'vitest';
import { MODELS } from '../../../src/api/catalogue.js';
import { buildCreateRequest, type CreateTaskOptions } from '../../../src/api/create-request.js';
import { InputError } from '../../../src/api/errors/index.js';
import type { Region } from '../../../src/api/regions.js';

const base = { prompt: 'a cat' };

describe('buildCreateRequest', () => {
  it('sends only what was set, with the model defaults left to the service', () => {
    const r = buildCreateRequest(base, 'beijing');
    expect(r.body).toEqual({ model: 'wan2.5-t2v-preview', input: { prompt: 'a cat' }, parameters: {} });
    expect(r.size).toBe('1920*1080');
    expect(r.duration).toBe(5);
    expect(r.headers).toEqual({});
  });

  it('normalises 832x480 to 832*480', () => {
    expect(buildCreateRequest({ ...base, size: '832x480' }, 'beijing').body.parameters).toEqual({ size: '832*480' });
    expect(buildCreateRequest({ ...base, size: '832X480' }, 'beijing').body.parameters).toEqual({ size: '832*480' });
  });

  it('maps resolution and ratio to a size for size-protocol models', () => {
    const r = buildCreateRequest({ ...base, resolution: '720P', ratio: '9:16' }, 'beijing');
    expect(r.body.parameters).toEqual({ size: '720*1280' });
    expect(r.tier).toBe('720P');
  });

  it('sends resolution and ratio as they are for wan2.7, and maps a table size onto them', () => {
    expect(
      buildCreateRequest({ ...base, model: 'wan2.7-t2v', resolution: '720P', ratio: '1:1' }, 'beijing').body.parameters,
    ).toEqual({
      resolution: '720P',
      ratio: '1:1',
    });
    expect(buildCreateRequest({ ...base, model: 'wan2.7-t2v', size: '1280*720' }, 'beijing').body.parameters).toEqual({
      resolution: '720P',
      ratio: '16:9',
    });
  });

  it('sends every parameter the user set', () => {
    const r = buildCreateRequest(
      {
        prompt: 'p',
        negativePrompt: 'blur',
        model: 'wan2.6-t2v',
        size: '1280*720',
        duration: 12,
        seed: 7,
        promptExtend: false,
        watermark: true,
        shotType: 'multi',
        audioUrl: 'https://x/a.mp3',
      },
      'beijing',
    );
    expect(r.body).toEqual({
      model: 'wan2.6-t2v',
      input: { prompt: 'p', negative_prompt: 'blur', audio_url: 'https://x/a.mp3' },
      parameters: {
        size: '1280*720',
        duration: 12,
        seed: 7,
        prompt_extend: false,
        watermark: true,
        shot_type: 'multi',
      },
    });
  });

  it('asks the service to resolve oss:// audio', () => {
    expect(buildCreateRequest({ ...base, audioUrl: 'oss://dashscope-instant/x/a.wav' }, 'beijing').headers).toEqual({
      'x-dashscope-ossresourceresolve': 'enable',
    });
  });

  it('uses the regional id of wan2.1 models and says so', () => {
    const r = buildCreateRequest({ ...base, model: 'wanx2.1-t2v-turbo' }, 'singapore');
    expect(r.body.model).toBe('wan2.1-t2v-turbo');
    expect(r.warnings[0]).toMatch(/singapore id/);
  });

  it('warns (does not refuse) when the prompt is longer than the model keeps', () => {
    const r = buildCreateRequest({ prompt: 'x'.repeat(801), model: 'wan2.2-t2v-plus' }, 'beijing');
    expect(r.warnings).toEqual(['the prompt has 801 characters; the service keeps the first 800 and drops the rest']);
    const n = buildCreateRequest({ prompt: 'p', negativePrompt: 'n'.repeat(501) }, 'beijing');
    expect(n.warnings[0]).toMatch(/negative prompt has 501/);
  });

  const bad: Array<[string, CreateTaskOptions, Region, string, RegExp]> = [
    [
      'unknown model',
      { ...base, model: 'wan9' },
      'beijing',
      'model',
      /unknown model "wan9"; allowed: .*wan2.5-t2v-preview/,
    ],
    ['model not in region', { ...base, model: 'wan2.5-t2v-preview' }, 'virginia', 'model', /not offered in virginia/],
    [
      'size not allowed',
      { ...base, model: 'wanx2.1-t2v-plus', size: '832*480' },
      'beijing',
      'size',
      /allowed: 1280\*720/,
    ],
    ['size with spaces', { ...base, size: '1920*1080 ' }, 'beijing', 'size', /does not make/],
    ['size upside down', { ...base, size: '480*480' }, 'beijing', 'size', /does not make/],
    ['size and resolution', { ...base, size: '832*480', resolution: '480P' }, 'beijing', 'size', /not both/],
    [
      'resolution the model lacks',
      { ...base, model: 'wan2.2-t2v-plus', resolution: '720P' },
      'beijing',
      'resolution',
      /no 720P 16:9/,
    ],
    ['ratio the tier lacks', { ...base, resolution: '480P', ratio: '4:3' }, 'beijing', 'ratio', /no 480P 4:3/],
    ['wan2.7 480P', { ...base, model: 'wan2.7-t2v', resolution: '480P' }, 'beijing', 'resolution', /makes 720P, 1080P/],
    ['wan2.7 odd size', { ...base, model: 'wan2.7-t2v', size: '832*480' }, 'beijing', 'size', /takes --resolution/],
    ['duration not allowed', { ...base, duration: 7 }, 'beijing', 'duration', /5 or 10 seconds; got 7/],
    [
      'duration on fixed model',
      { ...base, model: 'wan2.2-t2v-plus', duration: 10 },
      'beijing',
      'duration',
      /makes videos of 5 seconds/,
    ],
    ['duration out of range', { ...base, model: 'wan2.6-t2v', duration: 16 }, 'beijing', 'duration', /2–15 seconds/],
    ['fractional duration', { ...base, model: 'wan2.6-t2v', duration: 5.5 }, 'beijing', 'duration', /got 5.5/],
    ['negative seed', { ...base, seed: -5 }, 'beijing', 'seed', /0 to 2147483647/],
    ['huge seed', { ...base, seed: 2147483648 }, 'beijing', 'seed', /0 to 2147483647/],
    ['empty prompt', { prompt: '   ' }, 'beijing', 'prompt', /empty/],
    [
      'audio on a silent model',
      { ...base, model: 'wan2.2-t2v-plus', audioUrl: 'https://x/a.mp3' },
      'beijing',
      'audioUrl',
      /silent/,
    ],
    ['audio URL without scheme', { ...base, audioUrl: 'voice.mp3' }, 'beijing', 'audioUrl', /must start with/],
    ['shot type on wan2.5', { ...base, shotType: 'multi' }, 'beijing', 'shotType', /models that do: wan2.6-t2v,/],
  ];

  it.each(bad)('refuses %s before sending', (_name, options, region, field, message) => {
    let error: unknown;
    try {
      buildCreateRequest(options, region);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe(field);
    expect((error as InputError).message).toMatch(message);
  });

  it('accepts every size of every size-protocol model', () => {
    for (const model of MODELS.filter((m) => m.protocol === 'size' && m.modes.includes('t2v'))) {
      for (const size of model.sizes)
        expect(buildCreateRequest({ ...base, model: model.id, size }, 'beijing').body.parameters.size).toBe(size);
    }
  });
});
