import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WanClient } from '../../src/api/client.js';
import { mp4, png } from '../helpers/media.js';
import { runWan, show, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';

/** Issue 17: every mode end to end against the sandbox, from the CLI, batch and the library. */
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const KEY = 'sk-test-modes-0123456789abcdef';
let fx: SandboxFixture;
let work: string;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());
beforeEach(() => {
  work = path.join(fx.dir, `case-${++n}`);
  mkdirSync(work);
  for (const still of ['dawn.png', 'dusk.png']) copyFileSync(path.join(FIXTURES, still), path.join(work, still));
});

const env = () => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
});
const wan = (args: string[], opts: WanOptions = {}) =>
  runWan(args, { clock: fx.clock, cwd: work, env: env(), ...opts });
const creates = () => fx.apiRequests().filter((q) => q.method === 'POST' && q.path.includes('/services/aigc/'));
/** The request a command would send, as --dry-run prints it (the code that sends builds it). */
async function dry(args: string[]) {
  const r = await wan([...args, '--dry-run', '--json']);
  expect(r.code, show(r)).toBe(0);
  return JSON.parse(r.stdout) as {
    url: string;
    headers: Record<string, string>;
    body: { model: string; input: Record<string, unknown>; parameters: Record<string, unknown> };
    estimated_cost: { amount: number; currency: string } | null;
  };
}
const sidecar = (file: string) => JSON.parse(readFileSync(path.join(work, `${file}.json`), 'utf8'));
const uploads = () => fx.sandbox.requests.filter((q) => q.listener === 'video' && q.method === 'POST').length;

describe('image-to-video: --image', () => {
  it('animates a still: the image inline, the first frame recorded in the sidecar by name, size and SHA-256', async () => {
    // The cheapest video (3 s of 480P; a fixed seed, so a warm cache serves it): encoding is the slow part.
    const cheap = ['-m', 'wanx2.1-i2v-turbo', '--resolution', '480P', '-d', '3', '--seed', '7'];
    const r = await wan(['run', 'the sun rises over the bay', '--image', 'dawn.png', ...cheap, '-o', 'dawn.mp4']);
    expect(r.code, show(r)).toBe(0);
    expect(creates().at(-1)!.path).toMatch(/\/services\/aigc\/video-generation\/video-synthesis$/);
    expect(sidecar('dawn.mp4').model).toBe('wanx2.1-i2v-turbo');
    expect(uploads()).toBe(0);
    expect(sidecar('dawn.mp4').inputs).toEqual([
      {
        role: 'first_frame',
        name: 'dawn.png',
        bytes: readFileSync(path.join(work, 'dawn.png')).length,
        sha256: expect.any(String),
      },
    ]);
    expect(JSON.stringify(sidecar('dawn.mp4'))).not.toContain('base64');
  });

  it('the prompt is optional, and --dry-run shows the file by name, never its bytes', async () => {
    const before = creates().length;
    const r = await wan(['create', '--image', 'dawn.png', '--dry-run', '--json']);
    expect(r.code, show(r)).toBe(0);
    const dry = JSON.parse(r.stdout);
    expect(dry.body.input).toEqual({
      img_url: expect.stringMatching(/^data:image\/png;base64,<dawn\.png: \d+ bytes, sent inline>$/),
    });
    // Without a model: image-to-video's default, wan2.5-i2v-preview, 5 s at 1080P.
    expect(dry.body.model).toBe('wan2.5-i2v-preview');
    expect(dry.estimated_cost).toMatchObject({ amount: 5, currency: 'CNY' });
    expect(creates()).toHaveLength(before);
  });

  it('the same image under another name is the same request; an edited one is another', async () => {
    const create = (image: string) =>
      wan(['create', 'the sun rises', '--image', image, '--idempotency-key', 'sunrise']);
    const first = await create('dawn.png');
    expect(first.code, show(first)).toBe(0);
    const before = creates().length;
    copyFileSync(path.join(work, 'dawn.png'), path.join(work, 'renamed.png'));
    const renamed = await create('renamed.png');
    expect(renamed.code, show(renamed)).toBe(0);
    expect(renamed.stdout).toBe(first.stdout);
    expect(creates().length).toBe(before);
    writeFileSync(path.join(work, 'dawn.png'), png(480, 320, { rgb: [10, 200, 30] }));
    const edited = await create('dawn.png');
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/idempotency key "sunrise" was used .* for another request/);
    expect(creates().length).toBe(before);
  });
});

describe('first and last frame: --first-frame and --last-frame', () => {
  it('goes to the image2video path with both frames', async () => {
    const frames = ['--first-frame', 'dawn.png', '--last-frame', 'dusk.png', '--resolution', '480P', '--seed', '7'];
    const r = await wan(['run', ...frames, '-o', 'day.mp4']);
    expect(r.code, show(r)).toBe(0);
    expect(creates().at(-1)!.path).toMatch(/\/services\/aigc\/image2video\/video-synthesis$/);
    expect(sidecar('day.mp4').model).toBe('wan2.2-kf2v-flash');
    const request = await dry(['create', '--first-frame', 'dawn.png', '--last-frame', 'dusk.png']);
    expect(request.url).toMatch(/\/services\/aigc\/image2video\/video-synthesis$/);
    expect(Object.keys(request.body.input).sort()).toEqual(['first_frame_url', 'last_frame_url']);
    expect(sidecar('day.mp4').inputs.map((i: { role: string }) => i.role)).toEqual(['first_frame', 'last_frame']);
  });
});

describe('reference-to-video: --reference', () => {
  it('uploads each reference and asks the service to resolve them; the clip is priced too', async () => {
    writeFileSync(path.join(work, 'walk.mp4'), mp4(4, 640, 360));
    const args = [
      'create',
      'character1 walks',
      '--reference',
      'walk.mp4',
      '--reference',
      'dusk.png',
      '--size',
      '1280x720',
    ];
    const request = await dry(args);
    // Two references share 5 s of billed input: the clip's 2.5 s + the video's 5 s, at 0.3 CNY/s.
    expect(request.estimated_cost?.amount).toBe(2.25);
    expect(request.body.model).toBe('wan2.6-r2v-flash');
    expect(request.body.input.reference_urls).toEqual([
      'oss://uploaded-when-sent/1/walk.mp4',
      'oss://uploaded-when-sent/2/dusk.png',
    ]);
    expect(request.headers['x-dashscope-ossresourceresolve']).toBe('enable');
    const r = await wan(args);
    expect(r.code, show(r)).toBe(0);
    expect(creates().at(-1)!.headers['x-dashscope-ossresourceresolve']).toBe('enable');
    expect(uploads()).toBe(2);
    expect(r.stderr).toMatch(/uploaded walk\.mp4 as oss:\/\//);
  });
});

describe("wan2.7-i2v's media list: --clip", () => {
  it('continues a clip towards a last frame', async () => {
    writeFileSync(path.join(work, 'take.mp4'), mp4(3, 640, 360));
    const args = [
      'create',
      'the boat sails on',
      '-m',
      'wan2.7-i2v',
      '--clip',
      'take.mp4',
      '--last-frame',
      'dusk.png',
      '-d',
      '6',
    ];
    const request = await dry(args);
    expect((request.body.input.media as { type: string }[]).map((m) => m.type)).toEqual(['first_clip', 'last_frame']);
    const r = await wan(args);
    expect(r.code, show(r)).toBe(0);
  });
});

describe('bad inputs are refused before anything is sent or uploaded (exit 2, the flag named)', () => {
  it.each([
    ['an image that is not one', ['--image', 'notes.png'], /--image: notes\.png is not an image \(by its content\)/],
    ['a PNG with transparency', ['--image', 'alpha.png'], /--image: alpha\.png has transparency/],
    [
      'a model that does not make the mode',
      ['--image', 'dawn.png', '-m', 'wan2.6-t2v'],
      /--model: wan2\.6-t2v does not make image-to-video/,
    ],
    ['a last frame alone', ['--last-frame', 'dusk.png'], /--last-frame: a last frame needs a first frame/],
    [
      'a size for an image model',
      ['--image', 'dawn.png', '--size', '832x480'],
      /--size: .* keeps the aspect of its input image/,
    ],
    ['--image and --first-frame together', ['--image', 'dawn.png', '--first-frame', 'dusk.png'], /same input/],
    ['a missing file', ['--image', 'nowhere.png'], /--image: nowhere\.png does not exist/],
  ])('%s', async (_name, flags, message) => {
    writeFileSync(path.join(work, 'notes.png'), 'these are notes, not a picture');
    writeFileSync(path.join(work, 'alpha.png'), png(300, 300, { alpha: true }));
    const before = fx.sandbox.requests.length;
    const r = await wan(['run', 'a prompt', ...flags, '-o', 'out.mp4']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('batch lines of every mode', () => {
  it('a line with an image (no prompt), one with two frames; files relative to the batch file', async () => {
    mkdirSync(path.join(work, 'shots'));
    for (const still of ['dawn.png', 'dusk.png']) copyFileSync(path.join(work, still), path.join(work, 'shots', still));
    writeFileSync(
      path.join(work, 'shots', 'lines.jsonl'),
      [
        '{"image": "dawn.png", "model": "wanx2.1-i2v-turbo", "resolution": "480P", "duration": 3, "seed": 7, "output": "rise.mp4"}',
        '{"prompt": "the day passes", "firstFrame": "dawn.png", "lastFrame": "dusk.png", "resolution": "480P", "seed": 7}',
      ].join('\n'),
    );
    const before = creates().length;
    const r = await wan(['batch', 'shots/lines.jsonl', '--output-dir', 'out', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(sidecar('out/rise.mp4').inputs[0]).toMatchObject({ role: 'first_frame', name: 'dawn.png' });
    const paths = creates()
      .slice(before)
      .map((c) => c.path.replace(/.*\/aigc\/(\w[\w-]*)\/.*/, '$1'))
      .sort();
    expect(paths).toEqual(['image2video', 'video-generation']);
  });

  it('a bad image on one line: every line checked first, nothing sent', async () => {
    writeFileSync(path.join(work, 'lines.jsonl'), '{"prompt": "a", "image": "missing.png"}\n{"prompt": "b"}\n');
    const before = fx.sandbox.requests.length;
    const r = await wan(['batch', 'lines.jsonl', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 1: image: \S*missing\.png does not exist/);
    expect(fx.sandbox.requests.length).toBe(before);
  });
});

describe('the library: WanClient#create takes every mode', () => {
  it('an image as bytes, then waits and downloads', async () => {
    const client = new WanClient({ apiKey: KEY, baseUrl: fx.sandbox.baseUrl, clock: fx.clock });
    const created = await client.create({
      mode: 'i2v',
      model: 'wanx2.1-i2v-turbo',
      image: readFileSync(path.join(work, 'dawn.png')),
      resolution: '480P',
      duration: 3,
      seed: 7,
    });
    expect(created.inputs).toEqual([expect.objectContaining({ role: 'first_frame', name: 'first_frame.png' })]);
    const task = await client.waitForTask(created.taskId, { interval: 1000 });
    const saved = await client.download(task, { to: path.join(work, 'lib.mp4') });
    expect(saved.bytes).toBeGreaterThan(0);
    await expect(
      client.create({
        mode: 'kf2v',
        firstFrame: path.join(work, 'dawn.png'),
        lastFrame: path.join(work, 'alpha-missing.png'),
      }),
    ).rejects.toThrow(/does not exist/);
  });
});

describe('wan models --mode', () => {
  it('keeps the models that make that kind of video', async () => {
    const r = await wan(['models', '--mode', 'kf2v', '--json']);
    expect((JSON.parse(r.stdout) as { id: string }[]).map((m) => m.id)).toEqual([
      'wan2.2-kf2v-flash',
      'wanx2.1-kf2v-plus',
      'wan2.7-i2v',
    ]);
    const bad = await wan(['models', '--mode', 'v2v']);
    expect(bad.code).toBe(2);
  });
});
