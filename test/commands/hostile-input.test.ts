import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWan, type WanOptions, type WanResult } from '../helpers/run-wan.js';
import { type SandboxFixture, sandboxFixture } from '../helpers/sandbox.js';
import { json, stubServer } from '../helpers/stub-server.js';

/**
 * Mistaken and hostile input, table-driven: each case gets a one-line error, its documented exit
 * code, no request when the input is local, nothing written, and never the key in any output.
 */
const KEY = 'sk-test-SECRET-hostile-0123456789abcdef';
const ID = '3f1c9a2e-0000-4000-8000-00000000abcd';
let fx: SandboxFixture;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());

/** wan in-process, on the fixture's clock. */
const wan = (args: string[], opts: WanOptions = {}) => runWan(args, { clock: fx.clock, ...opts });

interface Case {
  name: string;
  args: string[];
  exit: number;
  message: RegExp;
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  /** true when the input is local: the sandbox must receive nothing. */
  local?: boolean;
}

const cases: Case[] = [
  // flags
  { name: 'duration not a number', args: ['create', 'x', '-d', 'ten'], exit: 2, message: /--duration/ },
  { name: 'negative duration', args: ['create', 'x', '-d', '-5'], exit: 2, message: /--duration/ },
  { name: 'fractional seed', args: ['create', 'x', '--seed', '1.5'], exit: 2, message: /--seed/ },
  { name: 'seed not a number', args: ['create', 'x', '--seed', 'abc'], exit: 2, message: /--seed/ },
  { name: 'size with a trailing space', args: ['create', 'x', '-s', '1920*1080 '], exit: 2, message: /--size/ },
  { name: 'size 0*0', args: ['create', 'x', '-s', '0*0'], exit: 2, message: /--size/ },
  { name: 'size as a tier', args: ['create', 'x', '-s', '720P'], exit: 2, message: /--size/ },
  { name: 'empty model', args: ['create', 'x', '-m', ''], exit: 2, message: /--model/ },
  {
    name: 'size and resolution together',
    args: ['create', 'x', '-s', '832*480', '--resolution', '480P'],
    exit: 2,
    message: /not both/,
  },
  { name: '-o with two tasks', args: ['wait', ID, ID, '-o', 'a.mp4'], exit: 2, message: /--output: -o names one file/ },
  { name: 'timeout of zero', args: ['wait', ID, '--timeout', '0s'], exit: 2, message: /--timeout/ },
  { name: 'timeout not a duration', args: ['wait', ID, '--timeout', 'banana'], exit: 2, message: /--timeout/ },
  {
    name: 'interval under a second',
    args: ['wait', ID, '--interval', '500ms'],
    exit: 2,
    message: /--interval: must be at least 1s/,
  },
  { name: 'resolution 4K', args: ['create', 'x', '--resolution', '4K'], exit: 2, message: /--resolution/ },
  { name: 'region mars', args: ['--region', 'mars', 'status', ID], exit: 2, message: /region/ },
  {
    name: 'base URL with another scheme',
    args: ['--base-url', 'ftp://example.com/api/v1', 'status', ID],
    exit: 2,
    message: /--base-url/,
  },
  {
    name: "base URL with another path on DashScope's host",
    args: ['--base-url', 'https://dashscope.aliyuncs.com/v2', 'status', ID],
    exit: 2,
    message: /--base-url: .*\/api\/v1/,
  },
  {
    name: 'base URL with a password (not echoed)',
    args: ['--base-url', 'https://me:hunter2@gw.example.com/api/v1', 'status', ID],
    exit: 2,
    message: /^(?![\s\S]*hunter2)[\s\S]*user name or password/,
  },
  { name: 'extra arguments', args: ['status', ID, 'extra'], exit: 2, message: /too many arguments|unexpected/ },
  { name: 'a URL scheme download cannot fetch', args: ['download', 'file:///etc/passwd'], exit: 2, message: /http/ },
  // config files
  {
    name: 'invalid JSON config',
    args: ['create', 'x'],
    exit: 2,
    message: /\.wanrc\.json.*JSON/,
    files: { '.wanrc.json': '{"model": ' },
  },
  {
    name: 'invalid YAML config',
    args: ['create', 'x'],
    exit: 2,
    message: /\.wanrc\.yaml.*YAML/,
    files: { '.wanrc.yaml': 'model: [unclosed' },
  },
  {
    name: 'unknown config key',
    args: ['create', 'x'],
    exit: 2,
    message: /"durration".*did you mean "duration"/,
    files: { '.wanrc.json': '{"durration": 5}' },
  },
  {
    name: 'wrong config type',
    args: ['create', 'x'],
    exit: 2,
    message: /\.wanrc\.json.*duration/,
    files: { '.wanrc.json': '{"duration": "ten"}' },
  },
  {
    name: 'unknown profile',
    args: ['--profile', 'nope', 'create', 'x'],
    exit: 2,
    message: /profile/,
    files: { '.wanrc.json': '{"profiles": {"ci": {}}}' },
  },
  {
    name: '--config that does not exist',
    args: ['--config', 'missing.json', 'create', 'x'],
    exit: 2,
    message: /missing\.json/,
  },
  // environment
  { name: 'WAN_REGION=mars', args: ['create', 'x'], exit: 2, message: /WAN_REGION/, env: { WAN_REGION: 'mars' } },
  {
    name: 'base URL without a scheme',
    args: ['create', 'x'],
    exit: 2,
    message: /DASHSCOPE_HTTP_BASE_URL/,
    env: { DASHSCOPE_HTTP_BASE_URL: 'localhost:8080/api/v1' },
  },
  {
    name: "base URL with a path other than /api/v1 on DashScope's host",
    args: ['create', 'x'],
    exit: 2,
    message: /DASHSCOPE_HTTP_BASE_URL/,
    env: { DASHSCOPE_HTTP_BASE_URL: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1' },
  },
  { name: 'WAN_TIMEOUT=-1', args: ['wait', ID], exit: 2, message: /WAN_TIMEOUT/, env: { WAN_TIMEOUT: '-1' } },
  {
    name: 'WAN_SANDBOX_PENDING not a duration',
    args: ['--sandbox', 'status', ID],
    exit: 2,
    message: /WAN_SANDBOX_PENDING/,
    env: { WAN_SANDBOX_PENDING: 'soon' },
  },
  { name: 'WAN_RETRIES=0', args: ['status', ID], exit: 2, message: /WAN_RETRIES/, env: { WAN_RETRIES: '0' } },
  // task ids
  { name: 'task id ../x', args: ['status', '../x'], exit: 2, message: /not a task id/ },
  { name: 'task id with %2F', args: ['wait', 'a%2F..%2Fb'], exit: 2, message: /not a task id/ },
  { name: 'task id with a newline', args: ['download', 'abc\ndef'], exit: 2, message: /not a task id/ },
  { name: 'task id of 10 KB', args: ['wait', 'x'.repeat(10_240)], exit: 2, message: /not a task id/ },
  // output paths
  { name: 'output is a directory', args: ['download', ID, '-o', '.'], exit: 2, message: /is a directory/ },
  {
    name: 'output parent is a file',
    args: ['wait', ID, '-o', 'file.txt/x.mp4'],
    exit: 2,
    message: /--output: cannot create the directory .*a file is in the way/,
    files: { 'file.txt': 'not a directory' },
  },
  { name: 'output is a device', args: ['download', ID, '-o', '/dev/null', '--force'], exit: 2, message: /is a device/ },
  { name: 'output not writable', args: ['wait', ID, '-o', '/proc/version/x.mp4'], exit: 2, message: /--output/ },
];

describe('hostile and mistaken input', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'wan-hostile-'));
    for (const [file, text] of Object.entries(c.files ?? {})) writeFileSync(path.join(cwd, file), text);
    const before = fx.sandbox.requests.length;
    const r = await wan(c.args, {
      cwd,
      env: { DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl, DASHSCOPE_API_KEY: KEY, HOME: cwd, ...c.env },
    });
    expect(r.code, r.stderr).toBe(c.exit);
    expect(r.stderr).toMatch(c.message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(fx.sandbox.requests.length).toBe(before);
    expect(readdirSync(cwd).sort()).toEqual(Object.keys(c.files ?? {}).sort());
  });

  it('has at least 40 cases across this file and the core tests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });
});

describe('key files', () => {
  it('an empty key file is skipped with a warning (then no key: exit 3)', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'wan-home-'));
    mkdirSync(path.join(home, '.dashscope'));
    writeFileSync(path.join(home, '.dashscope', 'api_key'), '\n');
    const r = await wan(['create', 'x'], { env: { HOME: home, DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/warning: .*api_key.*empty/);
  });

  it('a key file with a trailing newline works, and the key is trimmed', async () => {
    const strict = await sandboxFixture({ apiKey: KEY });
    try {
      const home = mkdtempSync(path.join(os.tmpdir(), 'wan-home-'));
      mkdirSync(path.join(home, '.dashscope'));
      writeFileSync(path.join(home, '.dashscope', 'api_key'), `${KEY}\n`);
      chmodSync(path.join(home, '.dashscope', 'api_key'), 0o600);
      const r = await wan(['create', 'x'], { env: { HOME: home, DASHSCOPE_HTTP_BASE_URL: strict.sandbox.baseUrl } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    } finally {
      await strict.close();
    }
  });

  it('a config file holding apiKey that others can read: a warning with the chmod to run', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'wan-perm-'));
    writeFileSync(path.join(cwd, '.wanrc.json'), JSON.stringify({ apiKey: KEY }));
    chmodSync(path.join(cwd, '.wanrc.json'), 0o644);
    const r = await wan(['config'], { cwd, env: { HOME: cwd } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/chmod 600 .*\.wanrc\.json/);
    expect(r.stdout).toMatch(/apiKey\s+sk-…cdef/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });
});

describe('server answers wan must not trust', () => {
  async function against(
    handler: Parameters<typeof stubServer>[0],
    args: string[],
    extraEnv: Record<string, string> = {},
  ): Promise<WanResult & { requests: number }> {
    const stub = await stubServer(handler);
    try {
      const r = await wan(args, {
        env: { DASHSCOPE_HTTP_BASE_URL: stub.baseUrl, DASHSCOPE_API_KEY: KEY, WAN_RETRIES: '2', ...extraEnv },
      });
      expect(r.stdout + r.stderr).not.toContain(KEY);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      return { ...r, requests: stub.requests.length };
    } finally {
      await stub.close();
    }
  }

  it('invalid JSON with status 200', async () => {
    const r = await against((_q, res) => json(res, 200, '{"output": {'), ['status', ID]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/query task: unexpected response \(HTTP 200\): the body is not JSON/);
  });

  it('JSON of the wrong shape names the missing field', async () => {
    const r = await against(
      (_q, res) => json(res, 200, { request_id: 'r1', output: { task_status: 'RUNNING' } }),
      ['status', ID],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/field "output.task_id"/);
  });

  it('a video_url that is not http(s) is refused, nothing fetched', async () => {
    const r = await against(
      (_q, res) =>
        json(res, 200, {
          request_id: 'r1',
          output: { task_id: ID, task_status: 'SUCCEEDED', video_url: 'file:///etc/passwd' },
        }),
      ['download', ID, '-o', path.join(mkdtempSync(path.join(os.tmpdir(), 'wan-o-')), 'x.mp4')],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/video_url is not an http\(s\) URL/);
  });

  it('a gigantic response is refused, not buffered', async () => {
    const r = await against(
      (_q, res) => json(res, 200, `{"request_id":"${'x'.repeat(6 * 1024 * 1024)}"}`),
      ['status', ID],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/larger than 4 MiB/);
  });

  it('an HTML gateway page (502) is retried, then reported with its status, not parsed', async () => {
    const r = await against(
      (_q, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(
          '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>Tengine</center></body></html>',
        );
      },
      ['status', ID],
    );
    expect(r.code).toBe(7);
    expect(r.requests).toBe(2);
    expect(r.stderr).toMatch(
      /query task: 502: the service answered HTTP 502 with a non-JSON body \(text\/html\): 502 Bad Gateway/,
    );
  });

  it('a redirect is not followed, so the key never reaches another origin', async () => {
    const other = await stubServer((_q, res) => json(res, 200, {}));
    try {
      const r = await against(
        (_q, res) => {
          res.writeHead(302, { location: `${other.url}/steal` });
          res.end();
        },
        ['status', ID],
      );
      expect(r.code).toBe(1);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a create answered 500 is not retried and says the task may exist', async () => {
    const r = await against(
      (_q, res) =>
        json(res, 500, { code: 'InternalError', message: 'An internal error has occured', request_id: 'req-500' }),
      ['create', 'x'],
    );
    expect(r.code).toBe(1);
    expect(r.requests).toBe(1);
    expect(r.stderr).toMatch(/may have been created.*req-500/);
  });

  it('a create throttled with 429 is retried after Retry-After, and succeeds once', async () => {
    let n = 0;
    const r = await against(
      (_q, res) => {
        if (n++ === 0)
          return json(
            res,
            429,
            {
              code: 'Throttling.RateQuota',
              message: 'Requests rate limit exceeded, please try again later.',
              request_id: 'r',
            },
            { 'retry-after': '1' },
          );
        json(res, 200, { request_id: 'r2', output: { task_id: ID, task_status: 'PENDING' } });
      },
      ['create', 'x'],
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(ID);
    expect(r.requests).toBe(2);
  });

  it('a 401 on a query is an authentication failure', async () => {
    const r = await against(
      (_q, res) => json(res, 401, { code: 'InvalidApiKey', message: 'Invalid API-key provided.', request_id: 'r401' }),
      ['status', ID],
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/InvalidApiKey.*r401/);
  });
});

describe('nothing to connect to', () => {
  it('connection refused: retried, then exit 7', async () => {
    const stub = await stubServer(() => {});
    const baseUrl = stub.baseUrl;
    await stub.close();
    const r = await wan(['status', ID], {
      env: { DASHSCOPE_HTTP_BASE_URL: baseUrl, DASHSCOPE_API_KEY: KEY, WAN_RETRIES: '2' },
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1:\d+.*ECONNREFUSED.*gave up after 2 attempts/);
  });
});
