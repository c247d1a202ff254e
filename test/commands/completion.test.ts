import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWan } from '../helpers/run-wan.js';

/**
 * The completion scripts and `wan __complete`, in-process; the shells only check the scripts'
 * syntax. Scripts driven by a shell that calls the binary are in test/e2e/completion.test.ts.
 */
const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
const HAS_ZSH = has('zsh');
const HAS_FISH = has('fish');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wan-completion-'));
  mkdirSync(path.join(dir, 'work'));
  writeFileSync(path.join(dir, 'work', 'clip.mp4'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const r = await runWan(['completion', shell]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const file = path.join(dir, `wan.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

function shell(program: string, args: string[]) {
  return spawnSync(program, args, {
    encoding: 'utf8',
    cwd: path.join(dir, 'work'),
    env: { PATH: process.env.PATH ?? '', HOME: dir, CI: 'true', NO_COLOR: '1' },
    timeout: 20_000,
  });
}

describe('wan completion <shell>', () => {
  it('bash: a script that passes bash -n', async () => {
    const file = await script('bash');
    expect(shell('bash', ['-n', file]).status).toBe(0);
  });

  it.skipIf(!HAS_ZSH)('zsh: a #compdef script that passes zsh -n', async () => {
    const file = await script('zsh');
    expect((await runWan(['completion', 'zsh'])).stdout).toMatch(/^#compdef wan\n/);
    expect(shell('zsh', ['-n', file]).status).toBe(0);
  });

  it.skipIf(!HAS_FISH)('fish: a script that passes fish -n', async () => {
    const file = await script('fish');
    expect(shell('fish', ['-n', file]).status).toBe(0);
  });

  it('another shell: exit 2 naming the ones there are', async () => {
    const r = await runWan(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});

describe('wan __complete', () => {
  it('prints one candidate per line, with a tab and a description', async () => {
    const r = await runWan(['__complete', '--', 'create', '-m', 'wan2.2-t2v-plus', '--size', '']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['832*480\t480P 16:9', '480*832\t480P 9:16']);
  });

  it("treats every word after -- as a word, even wan's own global flags and --help", async () => {
    expect((await runWan(['__complete', '--', '--region', ''])).stdout).toBe('beijing\nsingapore\nvirginia\n');
    const help = await runWan(['__complete', '--', 'create', '--he']);
    expect(help.stdout).toBe('--help\tdisplay help for command\n');
  });

  it('asks for file names after -o, and reads no config file to answer', async () => {
    writeFileSync(path.join(dir, 'work', '.wanrc'), '{ not json');
    try {
      const r = await runWan(['__complete', '--', 'wait', 'x', '-o', ''], { cwd: path.join(dir, 'work') });
      expect(r).toMatchObject({ code: 0, stdout: ':files\n', stderr: '' });
    } finally {
      rmSync(path.join(dir, 'work', '.wanrc'));
    }
  });

  it.each([
    ['--image', ':images'],
    ['--first-frame', ':images'],
    ['--last-frame', ':images'],
    ['--clip', ':clips'],
    ['--reference', ':media'],
    ['--audio', ':audio'],
  ])('after %s, asks for the files that flag takes (%s)', async (flag, directive) => {
    const r = await runWan(['__complete', '--', 'run', flag, '']);
    expect(r).toMatchObject({ code: 0, stdout: `${directive}\n` });
  });

  it('takes WAN_MODEL as the model when the line names none', async () => {
    const r = await runWan(['__complete', '--', 'create', '-d', '1'], { env: { WAN_MODEL: 'wan2.6-t2v' } });
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    ).toEqual(['10', '11', '12', '13', '14', '15']);
  });
});
