import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/index.js';

// .wanrc.example is documentation; this keeps it true to what the code accepts.
describe('.wanrc.example', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wan-example-'));
  copyFileSync(path.resolve(__dirname, '../../../.wanrc.example'), path.join(dir, '.wanrc.yaml'));

  it('loads as it is, with its documented values', async () => {
    const config = await resolveConfig({ flags: {}, env: {}, cwd: dir, home: dir });
    expect(config.values).toMatchObject({
      region: 'beijing',
      model: 'wan2.5-t2v-preview',
      pollInterval: 5000,
      timeout: 1_800_000,
      connectTimeout: 10_000,
      requestTimeout: 60_000,
      stallTimeout: 30_000,
      retries: 5,
    });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['ci', { model: 'wan2.2-t2v-plus', size: '832*480', timeout: 1_200_000 }],
    ['intl', { region: 'singapore', model: 'wan2.1-t2v-turbo' }],
  ])('profile %s', async (profile, expected) => {
    const config = await resolveConfig({ flags: { profile }, env: {}, cwd: dir, home: dir });
    expect(config.values).toMatchObject(expected);
  });
});
