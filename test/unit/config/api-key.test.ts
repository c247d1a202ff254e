import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskKey, type ResolvedConfig, resolveConfig } from '../../../src/config/index.js';
import { configError, fixture, resolveIn } from './fixtures.js';

const ENV_KEY = 'sk-fromenvironment00000000000000007';
const TOP_KEY = 'sk-fromconfigtoplevel0000000000005';
const PROFILE_KEY = 'sk-fromconfigprofile00000000000006';
const DEFAULT_FILE_KEY = 'sk-fromdefaultkeyfile000000000003';
const NAMED_FILE_KEY = 'sk-fromnamedkeyfile00000000000004';
const ALL_KEYS = [ENV_KEY, TOP_KEY, PROFILE_KEY, DEFAULT_FILE_KEY, NAMED_FILE_KEY];

/** The key must never be printed: not in a warning, not in the rest of the resolved config. */
function expectNoKeyOutside(config: ResolvedConfig): void {
  const { apiKey: _apiKey, ...rest } = config;
  const text = JSON.stringify(rest);
  for (const key of ALL_KEYS) expect(text).not.toContain(key);
}

describe('resolveConfig: API key', () => {
  const keyConfig = fixture('key-config', '.wanrc.json');
  const keyHome = fixture('key-file', 'home');
  const defaultKeyFile = path.join(keyHome, '.dashscope', 'api_key');

  it.each<[string, Parameters<typeof resolveIn>[1] & {}, string, string]>([
    [
      'DASHSCOPE_API_KEY beats everything',
      {
        cwd: fixture('key-config'),
        home: keyHome,
        flags: { profile: 'team' },
        env: {
          DASHSCOPE_API_KEY: `  ${ENV_KEY}\n`,
          DASHSCOPE_API_KEY_FILE_PATH: fixture('key-file', 'custom', 'key.txt'),
        },
      },
      ENV_KEY,
      'env DASHSCOPE_API_KEY',
    ],
    [
      'the profile apiKey beats the top level',
      { cwd: fixture('key-config'), home: keyHome, flags: { profile: 'team' } },
      PROFILE_KEY,
      `config ${keyConfig} (profiles.team.apiKey)`,
    ],
    [
      'a profile without apiKey falls back to the top level',
      { cwd: fixture('key-config'), home: keyHome, flags: { profile: 'nokey' } },
      TOP_KEY,
      `config ${keyConfig} (apiKey)`,
    ],
    [
      'config apiKey beats the key files',
      {
        cwd: fixture('key-config'),
        home: keyHome,
        env: { DASHSCOPE_API_KEY_FILE_PATH: fixture('key-file', 'custom', 'key.txt') },
      },
      TOP_KEY,
      `config ${keyConfig} (apiKey)`,
    ],
    [
      'DASHSCOPE_API_KEY_FILE_PATH (relative to cwd) beats ~/.dashscope/api_key, trimmed',
      { cwd: fixture('key-file'), home: keyHome, env: { DASHSCOPE_API_KEY_FILE_PATH: 'custom/key.txt' } },
      NAMED_FILE_KEY,
      `file ${fixture('key-file', 'custom', 'key.txt')}`,
    ],
    [
      '~/.dashscope/api_key, trailing newline trimmed',
      { cwd: fixture('key-file'), home: keyHome, env: { DASHSCOPE_API_KEY: '' } },
      DEFAULT_FILE_KEY,
      `file ${defaultKeyFile}`,
    ],
  ])('%s', async (_name, opts, key, source) => {
    const config = await resolveIn('key-file', opts);
    expect(config.apiKey).toBe(key);
    expect(config.apiKeySource).toBe(source);
    expectNoKeyOutside(config);
  });

  it('an empty key file is skipped with a warning naming it', async () => {
    const home = fixture('key-file', 'empty');
    const config = await resolveIn('key-file', { cwd: home, home });
    expect(config.apiKey).toBeUndefined();
    expect(config.apiKeySource).toBeUndefined();
    expect(config.warnings).toEqual([`API key file ${path.join(home, '.dashscope', 'api_key')} is empty; skipped`]);
  });

  it('an empty or missing DASHSCOPE_API_KEY_FILE_PATH file warns and falls back to ~/.dashscope/api_key', async () => {
    const empty = path.join(fixture('key-file', 'empty'), '.dashscope', 'api_key');
    const missing = fixture('key-file', 'nope.txt');
    for (const [named, warning] of [
      [empty, `API key file ${empty} (named by DASHSCOPE_API_KEY_FILE_PATH) is empty; skipped`],
      [missing, `cannot read API key file ${missing} (named by DASHSCOPE_API_KEY_FILE_PATH): ENOENT; skipped`],
    ] as const) {
      const config = await resolveIn('key-file', {
        cwd: fixture('key-file'),
        home: keyHome,
        env: { DASHSCOPE_API_KEY_FILE_PATH: named },
      });
      expect(config.apiKey).toBe(DEFAULT_FILE_KEY);
      expect(config.warnings).toContain(warning);
    }
  });

  it('no key anywhere is not an error (commands that need one say so)', async () => {
    const config = await resolveIn('nested');
    expect(config.apiKey).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });
});

// git does not keep file modes, so these tests chmod copies in a temporary directory.
describe.skipIf(process.platform === 'win32')('resolveConfig: permissions of files holding a key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wan-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function copyWithMode(from: string, name: string, mode: number): Promise<string> {
    const to = path.join(dir, name);
    await copyFile(from, to);
    await chmod(to, mode);
    return to;
  }

  it.each([0o644, 0o640, 0o604])('a config file with apiKey and mode %o gets a chmod warning', async (mode) => {
    const file = await copyWithMode(fixture('key-config', '.wanrc.json'), `insecure-${mode.toString(8)}.json`, mode);
    const config = await resolveConfig({
      flags: { config: file },
      env: { DASHSCOPE_API_KEY: ENV_KEY },
      cwd: dir,
      home: dir,
    });
    const shown = mode.toString(8).padStart(3, '0');
    expect(config.warnings).toEqual([
      `${file} holds an API key but is readable by others (mode ${shown}); run: chmod 600 ${file}`,
    ]);
    expectNoKeyOutside(config);
  });

  it('mode 600 is quiet', async () => {
    const file = await copyWithMode(fixture('key-config', '.wanrc.json'), 'secure.json', 0o600);
    const config = await resolveConfig({ flags: { config: file }, env: {}, cwd: dir, home: dir });
    expect(config.apiKey).toBe(TOP_KEY);
    expect(config.warnings).toEqual([]);
  });

  it('a world-readable config without apiKey is quiet', async () => {
    const file = await copyWithMode(fixture('rc-json', '.wanrc.json'), 'no-key.json', 0o644);
    const config = await resolveConfig({ flags: { config: file }, env: {}, cwd: dir, home: dir });
    expect(config.warnings).toEqual([]);
  });

  it('a group-readable key file gets the same warning', async () => {
    const file = await copyWithMode(fixture('key-file', 'custom', 'key.txt'), 'api_key', 0o640);
    const config = await resolveConfig({ flags: {}, env: { DASHSCOPE_API_KEY_FILE_PATH: file }, cwd: dir, home: dir });
    expect(config.apiKey).toBe(NAMED_FILE_KEY);
    expect(config.warnings).toEqual([
      `${file} holds an API key but is readable by others (mode 640); run: chmod 600 ${file}`,
    ]);
  });
});

describe('resolveConfig: the key never appears in errors or warnings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wan-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a DashScope-style key pasted into another field is masked', async () => {
    const error = await configError(resolveIn('nested', { env: { WAN_REGION: ENV_KEY } }));
    expect(error.message).toBe(
      `WAN_REGION: "${maskKey(ENV_KEY)}" is not a region; allowed: beijing, singapore, virginia`,
    );
  });

  it('a key of any shape from DASHSCOPE_API_KEY is masked', async () => {
    const key = 'plainsecretvalue12345';
    const error = await configError(resolveIn('nested', { env: { DASHSCOPE_API_KEY: key, WAN_MODEL: key } }));
    expect(error.message).not.toContain(key);
    expect(error.message).toContain(maskKey(key));
  });

  it('a key of any shape from the config file is masked', async () => {
    const key = 'anothersecretvalue6789';
    const file = path.join(dir, '.wanrc.json');
    await writeFile(file, JSON.stringify({ apiKey: key, profiles: { ci: { workspace: `${key} copy` } } }));
    const error = await configError(resolveConfig({ flags: {}, env: {}, cwd: dir, home: dir }));
    expect(error.message).toMatch(/key "profiles\.ci\.workspace"/);
    expect(error.message).not.toContain(key);
  });

  it('an invalid apiKey value is not echoed', async () => {
    const file = path.join(dir, 'bad-key.yaml');
    await writeFile(file, 'apiKey: 12345678901234567890\n');
    const error = await configError(resolveConfig({ flags: { config: file }, env: {}, cwd: dir, home: dir }));
    expect(error.message).toBe(`${file}: key "apiKey": expected the key as text`);
  });

  it('warns when the key would go over plain http to a remote host', async () => {
    const config = await resolveIn('nested', {
      env: { DASHSCOPE_API_KEY: ENV_KEY, DASHSCOPE_HTTP_BASE_URL: 'http://example.com/api/v1' },
    });
    expect(config.warnings).toEqual([
      'http://example.com/api/v1 uses plain http, so the API key would cross the network unencrypted; use https',
    ]);
    expectNoKeyOutside(config);
  });
});
