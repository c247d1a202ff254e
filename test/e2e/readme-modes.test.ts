import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, readmeBlock, shellStep, wanOnPath } from '../helpers/readme.js';

/** The README's Every mode examples, as written, in turn, each against its own `--sandbox`. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wan-readme-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the examples of Every mode, as written', () => {
  it('each runs from a clone (the sample stills in test/fixtures), in turn', async () => {
    const bin = wanOnPath(dir);
    const ws = path.join(dir, 'clone');
    cpSync(path.join(ROOT, 'test/fixtures'), path.join(ws, 'test/fixtures'), { recursive: true });
    // The sandbox's tasks end at once; a poll a second sees them.
    const env = {
      WAN_STATE_DIR: path.join(ws, 'state'),
      WAN_SANDBOX_PENDING: '0s',
      WAN_SANDBOX_RUNNING: '100ms',
      WAN_POLL_INTERVAL: '1s',
    };
    const examples = readmeBlock('sh', '--first-frame test/fixtures/dawn.png')
      .split('\n')
      .filter((l) => l.startsWith('wan '));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      const r = await shellStep(example, ws, bin, env);
      expect(r.status, `${example}\n${r.stderr}`).toBe(0);
      const out = /-o (\S+)/.exec(example)![1]!;
      expect(existsSync(path.join(ws, out)), example).toBe(true);
      expect(readFileSync(path.join(ws, out)).subarray(4, 8).toString()).toBe('ftyp');
    }
  }, 90_000);
});
