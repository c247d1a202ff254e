import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/index.js';
import { configError, fixture, resolveIn } from './fixtures.js';

describe('resolveConfig: finding and reading the config file', () => {
  it('with no file, flag or variable gives the defaults', async () => {
    const config = await resolveIn('nested', { cwd: fixture('nested', 'a', 'b', 'c'), home: fixture('nested', 'a') });
    expect(config.values).toEqual(DEFAULTS);
    expect(config.sources).toEqual({
      region: { kind: 'default' },
      model: { kind: 'default' },
      pollInterval: { kind: 'default' },
      timeout: { kind: 'default' },
      connectTimeout: { kind: 'default' },
      requestTimeout: { kind: 'default' },
      stallTimeout: { kind: 'default' },
      retries: { kind: 'default' },
    });
    expect(config.baseUrl).toBe('https://dashscope.aliyuncs.com/api/v1');
    expect(config.configFile).toBeUndefined();
    expect(config.profile).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });

  it('reads .wanrc.json with every kind of value', async () => {
    const file = fixture('rc-json', '.wanrc.json');
    const config = await resolveIn('rc-json');
    expect(config.configFile).toBe(file);
    expect(config.values).toEqual({
      region: 'singapore',
      model: 'wan2.6-t2v',
      size: '1280*720',
      duration: 10,
      promptExtend: false,
      watermark: true,
      negativePrompt: 'blurry',
      seed: 42,
      outputDir: fixture('rc-json', 'videos'), // relative to the file's directory
      pollInterval: 2_000,
      timeout: 600_000, // a bare number is seconds
      connectTimeout: 10_000,
      requestTimeout: 60_000,
      stallTimeout: 30_000,
      retries: 5,
    });
    expect(config.sources.seed).toEqual({ kind: 'file', detail: file });
    expect(config.sources.model).toEqual({ kind: 'file', detail: file });
    expect(config.baseUrl).toBe('https://dashscope-intl.aliyuncs.com/api/v1');
  });

  it('reads .wanrc.yaml, with durations as strings and ~ as the home directory', async () => {
    const home = fixture('rc-yaml');
    const config = await resolveIn('rc-yaml', { home });
    expect(config.configFile).toBe(fixture('rc-yaml', '.wanrc.yaml'));
    expect(config.values).toMatchObject({
      region: 'virginia',
      workspace: 'llm-yaml-workspace',
      pollInterval: 1_500,
      timeout: 5_400_000,
      outputDir: path.join(home, 'wan-videos'),
    });
    expect(config.baseUrl).toBe('https://dashscope-us.aliyuncs.com/api/v1');
  });

  it('reads .wanrc without an extension as YAML', async () => {
    const config = await resolveIn('rc-plain');
    expect(config.configFile).toBe(fixture('rc-plain', '.wanrc'));
    expect(config.values.model).toBe('wan2.6-t2v');
  });

  it('reads the "wan" key of package.json', async () => {
    const config = await resolveIn('package-json');
    expect(config.configFile).toBe(fixture('package-json', 'package.json'));
    expect(config.values).toMatchObject({
      region: 'singapore',
      model: 'wan2.7-t2v',
      resolution: '720P',
      ratio: '9:16',
    });
  });

  it('imports wan.config.mjs and normalises its base URL', async () => {
    const config = await resolveIn('config-mjs');
    expect(config.configFile).toBe(fixture('config-mjs', 'wan.config.mjs'));
    expect(config.values).toMatchObject({
      model: 'wan2.2-t2v-plus',
      timeout: 300_000,
      baseUrl: 'http://127.0.0.1:8089/api/v1',
    });
    expect(config.baseUrl).toBe('http://127.0.0.1:8089/api/v1');
    expect(config.warnings).toEqual([]);
  });

  it('searches upward from a nested directory', async () => {
    const config = await resolveIn('nested', { cwd: fixture('nested', 'a', 'b', 'c') });
    expect(config.configFile).toBe(fixture('nested', '.wanrc.json'));
    expect(config.values.model).toBe('wanx2.1-t2v-turbo');
  });

  it('stops the upward search at home', async () => {
    const config = await resolveIn('nested', {
      cwd: fixture('nested', 'a', 'b', 'c'),
      home: fixture('nested', 'a', 'b'),
    });
    expect(config.configFile).toBeUndefined();
  });

  it('passes over an empty file and keeps searching', async () => {
    const config = await resolveIn('empty-rc', { cwd: fixture('empty-rc', 'sub') });
    expect(config.configFile).toBe(fixture('empty-rc', '.wanrc.yml'));
    expect(config.values.region).toBe('virginia');
  });

  describe('user-level file', () => {
    const home = fixture('xdg', 'home');
    const cwd = fixture('xdg', 'home', 'project');

    it('falls back to <home>/.config/wan/config.*', async () => {
      const config = await resolveIn('xdg', { cwd, home });
      expect(config.configFile).toBe(path.join(home, '.config', 'wan', 'config.yaml'));
      expect(config.values).toMatchObject({ region: 'singapore', timeout: 900_000 });
    });

    it('uses $XDG_CONFIG_HOME/wan from the passed env', async () => {
      const config = await resolveIn('xdg', { cwd, home, env: { XDG_CONFIG_HOME: fixture('xdg', 'custom') } });
      expect(config.configFile).toBe(fixture('xdg', 'custom', 'wan', 'config.json'));
      expect(config.values.region).toBe('virginia');
    });

    it('ignores a relative or empty XDG_CONFIG_HOME', async () => {
      for (const XDG_CONFIG_HOME of ['custom', '']) {
        const config = await resolveIn('xdg', { cwd, home, env: { XDG_CONFIG_HOME } });
        expect(config.configFile).toBe(path.join(home, '.config', 'wan', 'config.yaml'));
      }
    });

    it('is not read when a project file exists', async () => {
      const config = await resolveIn('rc-json', { env: { XDG_CONFIG_HOME: fixture('xdg', 'custom') } });
      expect(config.configFile).toBe(fixture('rc-json', '.wanrc.json'));
    });
  });

  describe('--config', () => {
    it('loads exactly that file, relative to cwd, instead of searching', async () => {
      const config = await resolveIn('explicit', { flags: { config: 'custom.yaml' } });
      expect(config.configFile).toBe(fixture('explicit', 'custom.yaml'));
      expect(config.values.region).toBe('virginia');
      expect(config.values.outputDir).toBe(fixture('explicit', 'out'));
    });

    it('takes an absolute path, even to a package.json', async () => {
      const file = fixture('package-json', 'package.json');
      const config = await resolveIn('explicit', { flags: { config: file } });
      expect(config.configFile).toBe(file);
      expect(config.values.model).toBe('wan2.7-t2v');
    });

    it.each([
      ['missing.json', /^--config: .*missing\.json: no such file$/],
      [
        'settings.toml',
        /^--config: .*settings\.toml: unsupported file type "\.toml"; use \.json, \.yaml, \.yml, \.js, \.cjs, \.mjs or no extension$/,
      ],
      ['.', /^--config: .*explicit is not a file$/],
      ['', /^--config: expected a file path$/],
    ])('%j is a ConfigError', async (file, message) => {
      const error = await configError(resolveIn('explicit', { flags: { config: file } }));
      expect(error.message).toMatch(message);
      expect(error.source).toBe('--config');
    });
  });
});

describe('resolveConfig: profiles', () => {
  const file = fixture('profiles', '.wanrc.yaml');

  it('uses the top level when no profile is asked for', async () => {
    const config = await resolveIn('profiles');
    expect(config.profile).toBeUndefined();
    expect(config.values).toMatchObject({ timeout: 1_200_000, model: 'wan2.6-t2v', seed: 1 });
  });

  it('lays --profile over the top level, key by key', async () => {
    const config = await resolveIn('profiles', { flags: { profile: 'ci' } });
    expect(config.profile).toBe('ci');
    expect(config.values).toMatchObject({
      region: 'singapore',
      model: 'wan2.6-t2v',
      timeout: 120_000,
      pollInterval: 1_000,
      outputDir: fixture('profiles', 'ci-out'),
    });
    expect(config.sources.timeout).toEqual({ kind: 'file', detail: `${file} (profile ci)` });
    expect(config.sources.model).toEqual({ kind: 'file', detail: file });
  });

  it('takes the profile from WAN_PROFILE, and --profile over it', async () => {
    const fromEnv = await resolveIn('profiles', { env: { WAN_PROFILE: 'cheap' } });
    expect(fromEnv.profile).toBe('cheap');
    expect(fromEnv.values).toMatchObject({ model: 'wanx2.1-t2v-turbo', size: '832*480' });
    const fromFlag = await resolveIn('profiles', { flags: { profile: 'ci' }, env: { WAN_PROFILE: 'cheap' } });
    expect(fromFlag.profile).toBe('ci');
  });

  it('puts env and flags above the profile', async () => {
    const config = await resolveIn('profiles', {
      flags: { profile: 'ci', timeout: '3m' },
      env: { WAN_TIMEOUT: '4m', WAN_POLL_INTERVAL: '3s', WAN_MODEL: 'wan2.7-t2v' },
    });
    expect(config.values).toMatchObject({ timeout: 180_000, pollInterval: 3_000, model: 'wan2.7-t2v', seed: 1 });
    expect(config.sources).toMatchObject({
      timeout: { kind: 'flag', detail: '--timeout' },
      pollInterval: { kind: 'env', detail: 'WAN_POLL_INTERVAL' },
      model: { kind: 'env', detail: 'WAN_MODEL' },
      seed: { kind: 'file', detail: file },
      region: { kind: 'file', detail: file },
    });
  });

  it.each([
    [{ flags: { profile: 'nope' } }, '--profile'],
    [{ env: { WAN_PROFILE: 'constructor' } }, 'WAN_PROFILE'],
  ])('an unknown profile is a ConfigError listing the profiles (%j)', async (opts, source) => {
    const error = await configError(resolveIn('profiles', opts));
    expect(error.message).toMatch(
      new RegExp(`^${source}: profile "\\w+" is not in ${file.replace(/[.\\]/g, '\\$&')}; defined: ci, cheap$`),
    );
    expect(error.source).toBe(source);
  });

  it('a profile without any config file is a ConfigError', async () => {
    const error = await configError(
      resolveIn('nested', { cwd: fixture('nested', 'a'), home: fixture('nested', 'a'), flags: { profile: 'ci' } }),
    );
    expect(error.message).toBe('--profile: profile "ci" was asked for, but no config file was found');
  });

  it('a file without profiles says so', async () => {
    const error = await configError(resolveIn('rc-json', { env: { WAN_PROFILE: 'ci' } }));
    expect(error.message).toMatch(/; it defines no profiles$/);
  });
});
