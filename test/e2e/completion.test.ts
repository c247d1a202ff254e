import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../helpers/run-bin.js';

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
const HAS_ZSH = has('zsh');
const HAS_FISH = has('fish');

let dir: string;
let shimDir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wan-completion-'));
  // A `wan` on PATH, as the scripts expect: the built binary under this node.
  shimDir = path.join(dir, 'bin');
  mkdirSync(shimDir);
  writeFileSync(path.join(shimDir, 'wan'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(path.join(shimDir, 'wan'), 0o755);
  mkdirSync(path.join(dir, 'work'));
  writeFileSync(path.join(dir, 'work', 'clip.mp4'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const r = await runBin(['completion', shell]);
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
    env: { PATH: `${shimDir}:${process.env.PATH ?? ''}`, HOME: dir, CI: 'true', NO_COLOR: '1' },
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
    expect((await runBin(['completion', 'zsh'])).stdout).toMatch(/^#compdef wan\n/);
    expect(shell('zsh', ['-n', file]).status).toBe(0);
  });

  it.skipIf(!HAS_FISH)('fish: a script that passes fish -n', async () => {
    const file = await script('fish');
    expect(shell('fish', ['-n', file]).status).toBe(0);
  });

  it('another shell: exit 2 naming the ones there are', async () => {
    const r = await runBin(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});

describe('wan __complete', () => {
  it('prints one candidate per line, with a tab and a description', async () => {
    const r = await runBin(['__complete', '--', 'create', '-m', 'wan2.2-t2v-plus', '--size', '']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['832*480\t480P 16:9', '480*832\t480P 9:16']);
  });

  it("treats every word after -- as a word, even wan's own global flags and --help", async () => {
    expect((await runBin(['__complete', '--', '--region', ''])).stdout).toBe('beijing\nsingapore\nvirginia\n');
    const help = await runBin(['__complete', '--', 'create', '--he']);
    expect(help.stdout).toBe('--help\tdisplay help for command\n');
  });

  it('asks for file names after -o, and reads no config file to answer', async () => {
    writeFileSync(path.join(dir, 'work', '.wanrc'), '{ not json');
    try {
      const r = await runBin(['__complete', '--', 'wait', 'x', '-o', ''], { cwd: path.join(dir, 'work') });
      expect(r).toMatchObject({ code: 0, stdout: ':files\n', stderr: '' });
    } finally {
      rmSync(path.join(dir, 'work', '.wanrc'));
    }
  });

  it('takes WAN_MODEL as the model when the line names none', async () => {
    const r = await runBin(['__complete', '--', 'create', '-d', '1'], { env: { WAN_MODEL: 'wan2.6-t2v' } });
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]),
    ).toEqual(['10', '11', '12', '13', '14', '15']);
  });
});

describe('the bash script, driven as bash would', () => {
  // COMP_WORDS as bash splits the line: at blanks, and around the COMP_WORDBREAKS characters : and =.
  const cases: Array<[string, string, string[]]> = [
    ['wan cr', 'wan cr', ['create']],
    ['wan create -m wan2.2-t2v-plus --size 16', 'wan create -m wan2.2-t2v-plus --size 16', ['1632\\*1248']],
    ['wan create --ratio 16:', 'wan create --ratio 16 :', [':9']],
    ['wan create --size=83', 'wan create --size = 83', ['832\\*480', '832\\*1088']],
    ['wan create -m wan2.6-t2v -d 1', 'wan create -m wan2.6-t2v -d 1', ['10', '11', '12', '13', '14', '15']],
    ['wan wait x -o cl', 'wan wait x -o cl', ['clip.mp4']],
  ];

  it.each(cases)('%j', async (line, compWords, expected) => {
    const file = await script('bash');
    const driver = [
      `source ${JSON.stringify(file)}`,
      `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
      `COMP_WORDS=(${compWords
        .split(' ')
        .map((w) => JSON.stringify(w))
        .join(' ')}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))`,
      '_wan_completion',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const r = shell('bash', ['-c', driver]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(expected);
  });
});

describe.skipIf(!HAS_FISH)('the fish script, asked with complete -C', () => {
  it.each([
    ['wan create -m wan2.2-t2v-plus --size 16', ['1632*1248\t1080P 4:3']],
    [
      'wan --region singapore run -m wan2.1',
      ['wan2.1-t2v-plus\t720P, 5 s, silent', 'wan2.1-t2v-turbo\t480P/720P, 5 s, silent'],
    ],
    ['wan wait x -o cl', ['clip.mp4']],
  ])('%j', async (line, expected) => {
    const file = await script('fish');
    const r = shell('fish', ['-c', `source ${JSON.stringify(file)}; complete -C${JSON.stringify(line)}`]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(expected);
  });
});
