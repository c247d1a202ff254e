import { describe, expect, it } from 'vitest';
import type { ConfigFlags } from '../../../src/config/index.js';
import { configError, fixture, resolveIn } from './fixtures.js';

describe('resolveConfig: bad config files', () => {
  it('invalid JSON names the file and position, and quotes none of it', async () => {
    const file = fixture('invalid-json', '.wanrc.json');
    const error = await configError(resolveIn('invalid-json'));
    expect(error.message).toBe(`${file}: invalid JSON: Expected ',' or '}' after property value (line 3, column 3)`);
    expect(error.source).toBe(file);
    expect(error.message).not.toContain('sk-');
  });

  it('invalid YAML names the file and position, and quotes none of it', async () => {
    const file = fixture('invalid-yaml', '.wanrc.yaml');
    const error = await configError(resolveIn('invalid-yaml'));
    expect(error.message).toMatch(
      new RegExp(
        `^${file.replace(/[.\\]/g, '\\$&')}: invalid YAML: bad indentation of a mapping entry \\(line 3, column \\d+\\)$`,
      ),
    );
    expect(error.message).not.toContain('sk-');
  });

  it('an unknown key is named, with the closest known key', async () => {
    const file = fixture('unknown-key', '.wanrc.json');
    const error = await configError(resolveIn('unknown-key'));
    expect(error.message).toBe(`${file}: key "durration" is not a config key (did you mean "duration"?)`);
    expect(error.source).toBe(file);
    expect(error.key).toBe('durration');
  });

  it('a wrong type names the key and what was expected', async () => {
    const file = fixture('wrong-type', '.wanrc.json');
    const error = await configError(resolveIn('wrong-type'));
    expect(error.message).toBe(`${file}: key "promptExtend": expected true or false, got "yes"`);
    expect(error.key).toBe('promptExtend');
  });

  it('a bad region lists the regions', async () => {
    const file = fixture('bad-region', '.wanrc.yaml');
    const error = await configError(resolveIn('bad-region'));
    expect(error.message).toBe(`${file}: key "region": "mars" is not a region; allowed: beijing, singapore, virginia`);
  });

  it("a DashScope host's base URL whose path is not /api/v1 is refused", async () => {
    const file = fixture('bad-base-url', '.wanrc.json');
    const error = await configError(resolveIn('bad-base-url'));
    expect(error.message).toBe(
      `${file}: key "baseUrl": "https://dashscope.aliyuncs.com/compatible-mode/v1": DashScope's hosts serve the API at /api/v1, not "/compatible-mode/v1"`,
    );
  });

  it('a bad value inside a profile names the profile key', async () => {
    const error = await configError(resolveIn('bad-profile'));
    expect(error.message).toBe(
      `${fixture('bad-profile', '.wanrc.yaml')}: key "profiles.ci.timeout": "soon" is not a duration; use e.g. 500ms, 90s, 10m, 1h30m or a number of seconds`,
    );
    expect(error.key).toBe('profiles.ci.timeout');
  });

  it.each([
    ['typo.yaml', 'key "profile" is not a config key (did you mean "profiles"?)'],
    [
      'typo-inside.json',
      'key "profiles.ci.negative_prompt" is not a config key (did you mean "negativePrompt"?); also unknown: "foo"',
    ],
  ])('unknown keys are found at any level (%s)', async (name, message) => {
    const file = fixture('bad-profile', name);
    const error = await configError(resolveIn('bad-profile', { flags: { config: name } }));
    expect(error.message).toBe(`${file}: ${message}`);
  });

  it('package.json settings are named under "wan"', async () => {
    const file = fixture('package-json-bad', 'package.json');
    const error = await configError(resolveIn('package-json-bad'));
    expect(error.message).toBe(
      `${file}: key "wan.region": "mars" is not a region; allowed: beijing, singapore, virginia`,
    );
    expect(error.key).toBe('wan.region');
  });
});

describe('resolveConfig: flags and environment are validated like the file', () => {
  it.each<[string, ConfigFlags, string]>([
    ['region', { region: 'mars' }, '--region: "mars" is not a region; allowed: beijing, singapore, virginia'],
    [
      'model',
      { model: 'wan2.6-t2' },
      '--model: "wan2.6-t2" is not a known model (did you mean "wan2.6-t2v"?); allowed: ',
    ],
    ['size', { size: '100x100' }, '--size: "100*100" is not a size; allowed: 832*480, 480*832, 624*624, 1280*720'],
    ['resolution', { resolution: '4K' }, '--resolution: "4K" is not a resolution; allowed: 480P, 720P, 1080P'],
    ['ratio', { ratio: '21:9' }, '--ratio: "21:9" is not a ratio; allowed: 16:9, 9:16, 1:1, 4:3, 3:4'],
    ['duration zero', { duration: '0' }, '--duration: expected a positive number of seconds, got 0'],
    ['duration fraction', { duration: '2.5' }, '--duration: expected a whole number of seconds, got "2.5"'],
    ['seed text', { seed: 'abc' }, '--seed: expected an integer from 0 to 2147483647, got "abc"'],
    ['seed negative', { seed: '-1' }, '--seed: expected an integer from 0 to 2147483647, got "-1"'],
    ['seed too big', { seed: '2147483648' }, '--seed: expected an integer from 0 to 2147483647, got 2147483648'],
    ['poll interval too short', { pollInterval: '500ms' }, '--interval: must be at least 1s, got "500ms"'],
    [
      'timeout junk',
      { timeout: 'soon' },
      '--timeout: "soon" is not a duration; use e.g. 500ms, 90s, 10m, 1h30m or a number of seconds',
    ],
    [
      'base URL without scheme',
      { baseUrl: 'dashscope.aliyuncs.com/api/v1' },
      '--base-url: "dashscope.aliyuncs.com/api/v1" must start with http:// or https://',
    ],
    [
      "base URL other path on DashScope's host",
      { baseUrl: 'https://dashscope-intl.aliyuncs.com/v1' },
      `--base-url: "https://dashscope-intl.aliyuncs.com/v1": DashScope's hosts serve the API at /api/v1`,
    ],
    [
      'base URL with a password (never echoed)',
      { baseUrl: 'https://user:s3cret@gw.example.com/api/v1' },
      '--base-url: "https://…@gw.example.com/api/v1" must not contain a user name or password',
    ],
    [
      'base URL with query',
      { baseUrl: 'https://example.com/api/v1?x=1' },
      '--base-url: "https://example.com/api/v1?x=1" must not have a query or fragment',
    ],
    [
      'workspace with space',
      { workspace: 'my ws' },
      'workspace: "my ws" is not a workspace id (visible ASCII, no spaces)',
    ],
  ])('%s', async (_name, flags, message) => {
    const error = await configError(resolveIn('nested', { flags }));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.source).toBe(message.split(':')[0]);
  });

  it('checks flags before reading the config file', async () => {
    const error = await configError(resolveIn('invalid-json', { flags: { region: 'mars' } }));
    expect(error.source).toBe('--region');
  });

  it.each<[string, Record<string, string>, string]>([
    ['WAN_REGION', { WAN_REGION: 'mars' }, 'WAN_REGION: "mars" is not a region; allowed: beijing, singapore, virginia'],
    ['WAN_MODEL', { WAN_MODEL: 'gpt' }, 'WAN_MODEL: "gpt" is not a known model; allowed: wan2.6-t2v, '],
    ['WAN_TIMEOUT', { WAN_TIMEOUT: '-5m' }, 'WAN_TIMEOUT: "-5m" is not a duration'],
    ['WAN_POLL_INTERVAL', { WAN_POLL_INTERVAL: '0' }, 'WAN_POLL_INTERVAL: must be at least 1s, got "0"'],
    [
      'DASHSCOPE_HTTP_BASE_URL',
      { DASHSCOPE_HTTP_BASE_URL: 'ftp://example.com/api/v1' },
      'DASHSCOPE_HTTP_BASE_URL: "ftp://example.com/api/v1" must start with http:// or https://',
    ],
    [
      'DASHSCOPE_HTTP_BASE_URL',
      { DASHSCOPE_HTTP_BASE_URL: 'https://dashscope.aliyuncs.com/' },
      `DASHSCOPE_HTTP_BASE_URL: "https://dashscope.aliyuncs.com/": DashScope's hosts serve the API at /api/v1, not "/"`,
    ],
  ])('bad %s names the variable', async (name, env, message) => {
    const error = await configError(resolveIn('nested', { env }));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.source).toBe(name);
  });

  it('normalises accepted flag values and records the flag as the source', async () => {
    const config = await resolveIn('nested', {
      cwd: fixture('nested', 'a'),
      flags: {
        size: '832X480',
        resolution: '720p',
        duration: '5',
        seed: 0,
        watermark: false,
        promptExtend: true,
        pollInterval: '2',
        timeout: '1h',
        baseUrl: 'HTTPS://Example.COM:8443/api/v1/',
        outputDir: 'out',
      },
    });
    expect(config.values).toMatchObject({
      size: '832*480',
      resolution: '720P',
      duration: 5,
      seed: 0,
      watermark: false,
      promptExtend: true,
      pollInterval: 2_000,
      timeout: 3_600_000,
      baseUrl: 'https://example.com:8443/api/v1',
      outputDir: fixture('nested', 'a', 'out'),
    });
    expect(config.baseUrl).toBe('https://example.com:8443/api/v1');
    expect(config.sources.watermark).toEqual({ kind: 'flag', detail: '--no-watermark' });
    expect(config.sources.promptExtend).toEqual({ kind: 'flag', detail: '--prompt-extend' });
    expect(config.sources.outputDir).toEqual({ kind: 'flag', detail: '--output-dir' });
  });

  it('reads every variable, treats empty ones as unset, and resolves WAN_OUTPUT_DIR against cwd', async () => {
    const cwd = fixture('nested', 'a');
    const config = await resolveIn('nested', {
      cwd,
      home: cwd,
      env: {
        WAN_REGION: 'singapore',
        WAN_MODEL: '',
        WAN_WORKSPACE: 'llm-abc',
        WAN_OUTPUT_DIR: 'videos',
        WAN_POLL_INTERVAL: '10s',
        WAN_TIMEOUT: '',
        DASHSCOPE_HTTP_BASE_URL: 'http://localhost:9000/api/v1',
        WAN_PROFILE: '',
        WAN_CONNECT_TIMEOUT: '3s',
        WAN_REQUEST_TIMEOUT: '2m',
        WAN_STALL_TIMEOUT: '',
        WAN_RETRIES: '2',
      },
    });
    expect(config.values).toEqual({
      region: 'singapore',
      model: 'wan2.5-t2v-preview',
      workspace: 'llm-abc',
      outputDir: fixture('nested', 'a', 'videos'),
      pollInterval: 10_000,
      timeout: 1_800_000,
      baseUrl: 'http://localhost:9000/api/v1',
      connectTimeout: 3_000,
      requestTimeout: 120_000,
      stallTimeout: 30_000,
      retries: 2,
    });
    expect(config.sources).toMatchObject({
      region: { kind: 'env', detail: 'WAN_REGION' },
      model: { kind: 'default' },
      workspace: { kind: 'env', detail: 'WAN_WORKSPACE' },
      baseUrl: { kind: 'env', detail: 'DASHSCOPE_HTTP_BASE_URL' },
    });
    expect(config.baseUrl).toBe('http://localhost:9000/api/v1');
  });
});

describe('resolveConfig: the region follows the base URL', () => {
  it.each([
    ['https://dashscope-intl.aliyuncs.com/api/v1', 'singapore'],
    ['https://dashscope-us.aliyuncs.com/api/v1', 'virginia'],
    ['https://dashscope.aliyuncs.com/api/v1', 'beijing'],
    ['https://llm-ws1.ap-southeast-1.maas.aliyuncs.com/api/v1', 'singapore'],
    ['https://llm-ws1.cn-beijing.maas.aliyuncs.com/api/v1', 'beijing'],
    ['https://llm-ws1.us-east-1.maas.aliyuncs.com/api/v1', 'virginia'],
  ])('%s is %s, and wan config says where the region came from', async (url, region) => {
    const config = await resolveIn('nested', { env: { DASHSCOPE_HTTP_BASE_URL: url } });
    expect(config.values.region).toBe(region);
    expect(config.sources.region).toEqual({
      kind: 'derived',
      detail: 'from the host of baseUrl (env DASHSCOPE_HTTP_BASE_URL)',
    });
  });

  it('a region that contradicts the host is refused, naming both', async () => {
    const error = await configError(
      resolveIn('nested', {
        env: { DASHSCOPE_HTTP_BASE_URL: 'https://dashscope-intl.aliyuncs.com/api/v1' },
        flags: { region: 'beijing' },
      }),
    );
    expect(error.message).toBe(
      'flag --region says region beijing, but env DASHSCOPE_HTTP_BASE_URL is https://dashscope-intl.aliyuncs.com/api/v1, a singapore host; drop one or make them agree',
    );
  });

  it('an unknown host (a gateway, the sandbox) keeps the configured region; any path is kept as given', async () => {
    const config = await resolveIn('nested', {
      env: { DASHSCOPE_HTTP_BASE_URL: 'https://gw.example.com/dashscope/api/v1/', WAN_REGION: 'singapore' },
    });
    expect(config.values.region).toBe('singapore');
    expect(config.baseUrl).toBe('https://gw.example.com/dashscope/api/v1');
    const bare = await resolveIn('nested', { env: { DASHSCOPE_HTTP_BASE_URL: 'https://gw.example.com' } });
    expect(bare.baseUrl).toBe('https://gw.example.com');
    expect(bare.values.region).toBe('beijing');
  });
});
