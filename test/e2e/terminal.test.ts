import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/run-bin.js';

/**
 * What only a real terminal shows: `script` gives the binary a pseudo-terminal, of 0×0 when it has
 * none of its own to copy (as in CI, or ssh -tt), or of the size stty sets.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
const work = mkdtempSync(path.join(os.tmpdir(), 'wan-terminal-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function inTerminal(size: string, env: Record<string, string>, out: string): { code: number; output: string } {
  const command = `${size ? `stty ${size}; ` : ''}node ${BIN} --sandbox run "a heron in the reeds" -m wan2.2-t2v-plus -s 832x480 --seed 100 -o ${out}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      WAN_STATE_DIR: path.join(work, 'state'),
      WAN_SANDBOX_PENDING: '500ms',
      WAN_SANDBOX_RUNNING: '500ms',
      // The task ends after 1 s: a poll a second sees it then, not at the 5 s default.
      WAN_POLL_INTERVAL: '1s',
      ...env,
    },
    input: '',
    timeout: 30_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  return { code: result.status ?? -1, output: result.stdout.toString('latin1') };
}

describe.skipIf(!hasScript)('on a real terminal', () => {
  it('of 0×0: the run finishes with plain lines, not a spinner redrawn without end', () => {
    const { code, output } = inTerminal('', {}, 'zero.mp4');
    expect(code).toBe(0);
    expect(output.length).toBeLessThan(4096);
    expect(output).not.toContain('\u001b[1A');
    expect(output).toMatch(/saved .*zero\.mp4/);
  });

  it('of 100 columns: the spinner animates a few times a second, coloured; NO_COLOR takes every colour away', () => {
    const coloured = inTerminal('cols 100 rows 40', { TERM: 'xterm-256color' }, 'colour.mp4');
    expect(coloured.code).toBe(0);
    expect(coloured.output).toMatch(/\u001b\[3\dm/);
    // Two seconds of waiting at most 4 redraws a second, whatever else is drawn.
    expect(coloured.output.split('\u001b[1G').length).toBeLessThan(40);
    const plain = inTerminal('cols 100 rows 40', { TERM: 'xterm-256color', NO_COLOR: '1' }, 'plain.mp4');
    expect(plain.code).toBe(0);
    expect(plain.output).toContain('\u001b[1G');
    expect(plain.output).not.toMatch(/\u001b\[(3\d|9\d)m/);
  });
});
