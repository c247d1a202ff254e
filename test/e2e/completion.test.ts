import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../helpers/run-bin.js';

/**
 * The completion scripts driven as the shells drive them: they call `wan __complete`, here the
 * built binary on PATH. The scripts' text and `wan __complete` itself are tested in-process
 * (test/commands/completion.test.ts).
 */
const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
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
  writeFileSync(path.join(dir, 'work', 'still.PNG'), '');
  writeFileSync(path.join(dir, 'work', 'notes.txt'), '');
  mkdirSync(path.join(dir, 'work', 'stills'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each shell's script as the binary prints it, asked once. */
const scripts = new Map<string, string>();
async function script(shell: string): Promise<string> {
  if (!scripts.has(shell)) {
    const r = await runBin(['completion', shell]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(dir, `wan.${shell}`);
    writeFileSync(file, r.stdout);
    scripts.set(shell, file);
  }
  return scripts.get(shell)!;
}

function shell(program: string, args: string[]) {
  return spawnSync(program, args, {
    encoding: 'utf8',
    cwd: path.join(dir, 'work'),
    env: { PATH: `${shimDir}:${process.env.PATH ?? ''}`, HOME: dir, CI: 'true', NO_COLOR: '1' },
    timeout: 20_000,
  });
}

describe('the bash script, driven as bash would', () => {
  // COMP_WORDS as bash splits the line: at blanks, and around the COMP_WORDBREAKS characters : and =.
  const cases: Array<[string, string, string[]]> = [
    ['wan cr', 'wan cr', ['create']],
    ['wan create -m wan2.2-t2v-plus --size 16', 'wan create -m wan2.2-t2v-plus --size 16', ['1632\\*1248']],
    ['wan create --ratio 16:', 'wan create --ratio 16 :', [':9']],
    ['wan create --size=83', 'wan create --size = 83', ['832\\*480', '832\\*1088']],
    ['wan create -m wan2.6-t2v -d 1', 'wan create -m wan2.6-t2v -d 1', ['10', '11', '12', '13', '14', '15']],
    ['wan wait x -o cl', 'wan wait x -o cl', ['clip.mp4']],
    // An input flag offers its kind of file (by extension, either case) and directories to go into.
    ['wan run --image st', 'wan run --image st', ['still.PNG', 'stills']],
    ['wan run --clip ', 'wan run --clip ', ['clip.mp4', 'stills']],
    ['wan run --reference ', 'wan run --reference ', ['clip.mp4', 'still.PNG', 'stills']],
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
    // bash sorts what it shows; compgen lists files in directory order.
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([...expected].sort());
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
    // bash sorts what it shows; compgen lists files in directory order.
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([...expected].sort());
  });
});
