import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/api/version.js';
import { parseFaultSpecs } from '../../src/sandbox/fault-spec.js';
import { startGateway } from '../helpers/gateway.js';
import { runWan, show, type WanOptions } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';
import { silentWav } from '../helpers/wav.js';

/** Issue 13: the requests wan sends are the ones DashScope accepts, and what it answers is read tolerantly. */
const KEY = 'sk-test-real-service-0123456789abcdef';
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
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
  DASHSCOPE_API_KEY: KEY,
  HOME: work,
  WAN_STATE_DIR: path.join(work, 'state'),
  ...extra,
});
const wan = (args: string[], opts: WanOptions = {}) =>
  runWan(args, { clock: fx.clock, cwd: work, env: env(), ...opts });
const posts = () => fx.apiRequests().filter((q) => q.method === 'POST').length;
const dry = async (args: string[], e: Record<string, string | undefined> = {}) => {
  const r = await wan(['create', 'a heron', ...args, '--dry-run', '--json'], { env: env(e) });
  expect(r.code, show(r)).toBe(0);
  return JSON.parse(r.stdout) as {
    url: string;
    headers: Record<string, string>;
    body: { model: string; input: Record<string, unknown>; parameters: Record<string, unknown> };
    estimated_cost: { amount: number; currency: string } | null;
  };
};

describe('parameters.audio: --no-audio', () => {
  it('is sent as audio: false for a model that makes sound, only when given', async () => {
    expect((await dry(['-m', 'wan2.5-t2v-preview', '--no-audio'])).body.parameters).toEqual({ audio: false });
    expect((await dry(['-m', 'wan2.5-t2v-preview'])).body.parameters).toEqual({});
  });

  it('config audio: false does the same; a sound file on the command line wins over it', async () => {
    writeFileSync(path.join(work, '.wanrc.json'), JSON.stringify({ audio: false }));
    expect((await dry(['-m', 'wan2.6-t2v'])).body.parameters).toEqual({ audio: false });
    const withSound = await dry(['-m', 'wan2.6-t2v', '--audio', 'https://x/a.wav']);
    expect(withSound.body.parameters.audio).toBeUndefined();
    expect(withSound.body.input.audio_url).toBe('https://x/a.wav');
  });

  it.each([
    ['a silent model', ['-m', 'wan2.2-t2v-plus', '--no-audio'], /--audio: wan2\.2-t2v-plus makes silent videos/],
    [
      'with a sound file',
      ['--no-audio', '--audio-url', 'https://x/a.wav'],
      /--audio: a silent video takes no audio file/,
    ],
  ])('is refused with %s (exit 2, nothing sent)', async (_name, args, message) => {
    const before = fx.sandbox.requests.length;
    const r = await wan(['create', 'a heron', ...args]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('a run makes a video without a sound track, and the sidecar records audio: false', async () => {
    const loud = await wan(['run', 'a heron in the reeds', '-s', '832*480', '--seed', '100', '-o', 'loud.mp4']);
    const quiet = await wan([
      'run',
      'a heron in the reeds',
      '-s',
      '832*480',
      '--seed',
      '100',
      '-o',
      'quiet.mp4',
      '--no-audio',
    ]);
    expect(loud.code, show(loud)).toBe(0);
    expect(quiet.code, show(quiet)).toBe(0);
    expect(readFileSync(path.join(work, 'loud.mp4')).includes(Buffer.from('mp4a'))).toBe(true);
    expect(readFileSync(path.join(work, 'quiet.mp4')).includes(Buffer.from('mp4a'))).toBe(false);
    const sidecar = JSON.parse(readFileSync(path.join(work, 'quiet.mp4.json'), 'utf8')) as { parameters: unknown };
    expect(sidecar.parameters).toEqual({ size: '832*480', seed: 100, audio: false });
    expect(quiet.stderr).toMatch(/832\*480 \(480P\), 5s, silent, about 1\.50 CNY/);
  });

  it('wan models says which models make sound and take --no-audio', async () => {
    const r = await wan(['models']);
    expect(r.stdout).toMatch(/wan2\.5-t2v-preview .* auto, --audio or --no-audio/);
    expect(r.stdout).toMatch(/wan2\.2-t2v-plus .* silent/);
  });
});

describe('the region follows the base URL', () => {
  const INTL = 'https://dashscope-intl.aliyuncs.com/api/v1';

  it("Singapore's host gets Singapore's model id and a price in USD", async () => {
    const r = await dry(['-m', 'wanx2.1-t2v-turbo'], { DASHSCOPE_HTTP_BASE_URL: INTL });
    expect(r.url).toBe(`${INTL}/services/aigc/video-generation/video-synthesis`);
    expect(r.body.model).toBe('wan2.1-t2v-turbo');
    expect(r.estimated_cost).toMatchObject({ amount: 0.18, currency: 'USD' });
  });

  it('a workspace domain is read by its region id', async () => {
    const r = await dry(['-m', 'wanx2.1-t2v-turbo'], {
      DASHSCOPE_HTTP_BASE_URL: 'https://llm-x1.ap-southeast-1.maas.aliyuncs.com/api/v1',
    });
    expect(r.body.model).toBe('wan2.1-t2v-turbo');
  });

  it('a --region that contradicts the host is exit 2, naming both', async () => {
    const r = await wan(['--region', 'beijing', 'create', 'x', '--dry-run'], {
      env: env({ DASHSCOPE_HTTP_BASE_URL: INTL }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--region says region beijing, but env DASHSCOPE_HTTP_BASE_URL is https:\/\/dashscope-intl/,
    );
  });

  it('wan config and wan doctor say where the region came from', async () => {
    const config = await wan(['config', '--json'], { env: env({ DASHSCOPE_HTTP_BASE_URL: INTL }) });
    expect(JSON.parse(config.stdout)).toMatchObject({
      region: 'singapore',
      sources: { region: 'derived from the host of baseUrl (env DASHSCOPE_HTTP_BASE_URL)' },
    });
  });

  it('list -m asks for the id the region knows the model by', async () => {
    const r = await wan(['--region', 'singapore', '--sandbox', 'list', '-m', 'wanx2.1-t2v-turbo', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('a local audio file is refused where the region has no upload service (exit 2, nothing sent)', async () => {
    writeFileSync(path.join(work, 'voice.wav'), silentWav(4));
    const r = await wan([
      '--region',
      'virginia',
      '--sandbox',
      'create',
      'a singer',
      '-m',
      'wan2.6-t2v',
      '--audio',
      'voice.wav',
    ]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/no upload service for local files; give a public http\(s\) URL/);
  });
});

describe('gateways and tolerant reading', () => {
  it('a base URL with a path of its own before /api/v1 works for every call', async () => {
    const gw = await startGateway(fx.sandbox.baseUrl);
    try {
      const r = await wan(['run', 'a heron in the reeds', '-s', '832*480', '--seed', '100', '-o', 'gw.mp4'], {
        env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }),
      });
      expect(r.code, show(r)).toBe(0);
      expect(gw.paths.some((p) => p.startsWith('/gw/dashscope/api/v1/services/aigc/video-generation/'))).toBe(true);
      expect(gw.paths.some((p) => p.startsWith('/gw/dashscope/api/v1/tasks/'))).toBe(true);
      const list = await wan(['list', '--json'], { env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }) });
      expect(list.code, show(list)).toBe(0);
    } finally {
      await gw.close();
    }
  });

  it('a paid result is never refused for its shape: odd fields pass through to --json and the sidecar', async () => {
    const gw = await startGateway(fx.sandbox.baseUrl, {
      rewrite: (p, body) => {
        const b = body as { output?: Record<string, unknown>; usage?: Record<string, unknown> };
        if (!/^\/api\/v1\/tasks\/[^/]+$/.test(p) || b.output?.task_status !== 'SUCCEEDED') return body;
        return {
          ...b,
          request_id: null,
          output: { ...b.output, submit_time: null, end_time: 12, orig_prompt: ['not', 'text'], brand_new: { a: 1 } },
          usage: { ...b.usage, video_duration: '5', duration: '5' },
        };
      },
    });
    try {
      const r = await wan(
        ['run', 'a heron in the reeds', '-s', '832*480', '--seed', '100', '-o', 'odd.mp4', '--json'],
        {
          env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }),
        },
      );
      expect(r.code, show(r)).toBe(0);
      const printed = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(printed).toMatchObject({
        brand_new: { a: 1 },
        end_time: 12,
        usage: { duration: '5' },
        file: path.join(work, 'odd.mp4'),
      });
      const sidecar = JSON.parse(readFileSync(path.join(work, 'odd.mp4.json'), 'utf8')) as Record<string, unknown>;
      expect(sidecar.usage).toMatchObject({ video_duration: '5' });
    } finally {
      await gw.close();
    }
  });

  it('a task id that is not one is refused before it can reach a path', async () => {
    const gw = await startGateway(fx.sandbox.baseUrl, {
      rewrite: (p, body) =>
        p.endsWith('/video-synthesis')
          ? { ...(body as object), output: { task_id: '../../etc', task_status: 'PENDING' } }
          : body,
    });
    try {
      const r = await wan(['run', 'a heron', '-o', 'x.mp4'], { env: env({ DASHSCOPE_HTTP_BASE_URL: gw.baseUrl }) });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/create task: unexpected response .*output\.task_id "\.\.\/\.\.\/etc" is not a task id/);
    } finally {
      await gw.close();
    }
  });
});

describe('cancel', () => {
  it('a cancel whose answer is lost, retried and refused, looks the task up: CANCELED is success', async () => {
    const slow = await sandboxFixture({ pendingMs: 3_600_000 });
    try {
      const e = env({ DASHSCOPE_HTTP_BASE_URL: slow.sandbox.baseUrl });
      const id = (await runWan(['create', 'queued'], { env: e, cwd: work, clock: slow.clock })).stdout.trim();
      slow.sandbox.setFaults({ rules: [{ endpoint: 'cancel', kind: 'reset', afterBytes: 3, times: 1 }] });
      const r = await runWan(['cancel', id], { env: e, cwd: work, clock: slow.clock });
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout.trim()).toBe(`${id} cancelled`);
      expect(slow.sandbox.requests.filter((q) => q.path.endsWith('/cancel'))).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });
});

describe('errors that do not clear in seconds are said at once', () => {
  it.each([
    ['create:status=429:code=Throttling.AllocationQuota', 3, /quota.*trying again will not help/],
    ['create:status=400:code=Arrearage', 3, /overdue/],
    ['create:status=403:code=AllocationQuota.FreeTierOnly', 3, /free tier only/],
    ['create:status=400:code=DataInspectionFailed', 1, /nothing was created or billed/],
    ['create:status=403:code=AccessDenied', 3, /activate the model/],
  ])('%s: exit %i after one request', async (spec, code, hint) => {
    fx.sandbox.setFaults({ rules: parseFaultSpecs(spec) });
    try {
      const before = posts();
      const r = await wan(['create', 'a heron']);
      expect(r.code, show(r)).toBe(code);
      expect(r.stderr).toMatch(hint);
      expect(posts() - before).toBe(1);
    } finally {
      fx.sandbox.setFaults({});
    }
  });

  it('a refused key on a query is not retried', async () => {
    fx.sandbox.setFaults({ rules: [{ endpoint: 'query', kind: 'status', status: 401 }] });
    try {
      const before = fx.apiRequests().length;
      const r = await wan(['status', '3f1c9a2e-0000-4000-8000-00000000abcd']);
      expect(r.code).toBe(3);
      expect(fx.apiRequests().length - before).toBe(1);
    } finally {
      fx.sandbox.setFaults({});
    }
  });
});

describe('who is calling', () => {
  it('every request says User-Agent: wan-cli/<version> node/<version> <platform>', async () => {
    const before = fx.apiRequests().length;
    await wan(['status', '3f1c9a2e-0000-4000-8000-00000000abcd']);
    const [req] = fx.apiRequests().slice(before);
    expect(req!.headers['user-agent']).toBe(
      `wan-cli/${VERSION} node/${process.versions.node} ${process.platform}-${process.arch}`,
    );
  });

  it('--dry-run shows every header that is sent, the key redacted', async () => {
    const r = await dry(['--audio', 'oss://dashscope-instant/x/a.wav'], { WAN_WORKSPACE: 'llm-ws1' });
    expect(r.headers).toEqual({
      accept: 'application/json',
      'user-agent': `wan-cli/${VERSION} node/${process.versions.node} ${process.platform}-${process.arch}`,
      'x-dashscope-async': 'enable',
      'x-dashscope-ossresourceresolve': 'enable',
      authorization: 'Bearer ***',
      'x-dashscope-workspace': 'llm-ws1',
      'content-type': 'application/json',
    });
  });
});
