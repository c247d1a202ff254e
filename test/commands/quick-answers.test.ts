import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REGION_NAMES } from '../../src/api/regions.js';
import { defaultServices } from '../../src/commands/context.js';
import { cachedHelp, readHelpCache } from '../../src/help-cache.js';
import { buildProgram, main } from '../../src/main.js';
import { quickAnswer } from '../../src/quick-answers.js';
import { runBin } from '../helpers/run-bin.js';
import { testIO } from '../helpers/test-io.js';

// bin/wan.js answers these requests without loading the program; the answers must be exactly what
// the program prints. The help texts come from the build (dist/cli/help.json): this also fails
// when they are stale.
const HELP_CACHE = readHelpCache(new URL('../../dist/cli/help.json', import.meta.url));

/** What the program prints for `argv`, stdout not a terminal unless `tty`. */
async function live(argv: string[], tty = false): Promise<string> {
  const t = testIO({ stdoutTTY: tty });
  expect(await main(argv, t.io)).toBe(0);
  expect(t.err()).toBe('');
  return t.out();
}

/** What bin/wan.js prints without the program, for stdout as a pipe (no columns) or a terminal. */
async function quick(
  argv: string[],
  stdout: { isTTY?: boolean; columns?: number } = { isTTY: false },
): Promise<string | undefined> {
  return cachedHelp(HELP_CACHE, argv, stdout.columns) ?? (await quickAnswer(argv, { write: () => true, ...stdout }));
}

const program = await buildProgram({ io: testIO().io, services: defaultServices, exitCode: 0 });
const COMMANDS = program
  .createHelp()
  .visibleCommands(program)
  .map((c) => c.name())
  .filter((name) => name !== 'help');
const HELP_REQUESTS = [
  ['--help'],
  ['-h'],
  ['help'],
  ...COMMANDS.flatMap((name) => [
    [name, '--help'],
    [name, '-h'],
    ['help', name],
  ]),
];

describe('quick answers: help', () => {
  it('covers every command', () => {
    expect(COMMANDS).toContain('models');
    expect(COMMANDS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(HELP_REQUESTS.map((argv) => [argv.join(' '), argv]))(
    'wan %s is the program’s help, byte for byte',
    async (_, argv) => {
      const answer = await quick(argv);
      expect(answer).toBeDefined();
      expect(answer).toBe(await live(argv));
    },
  );

  it('on a terminal of the width the texts were wrapped to, the same', async () => {
    expect(await quick(['run', '--help'], { isTTY: true, columns: 80 })).toBe(await live(['run', '--help']));
  });

  it('on a terminal of another width, none: Commander wraps to the terminal', async () => {
    expect(await quick(['--help'], { isTTY: true, columns: 120 })).toBeUndefined();
    expect(await quick(['run', '-h'], { isTTY: true, columns: 60 })).toBeUndefined();
  });

  it.each([
    [['run', '--help', 'extra']],
    [['--json', 'run', '--help']],
    [['help', 'nope']],
    [['nope', '--help']],
    [['help', 'exit-codes']],
    [['__proto__', '--help']],
  ])('none for other requests: %j', async (argv) => {
    expect(await quick(argv)).toBeUndefined();
  });
});

describe('quick answers: wan models --json', () => {
  const forms = [
    ['models', '--json'],
    ['models', '--json', '--json'],
    ...REGION_NAMES.flatMap((region) => [
      ['models', '--json', '--region', region],
      ['models', '--region', region, '--json'],
    ]),
  ];

  it.each(forms.map((argv) => [argv.join(' '), argv]))(
    'wan %s is the program’s output, on a pipe and a terminal',
    async (_, argv) => {
      expect(await quick(argv)).toBe(await live(argv));
      expect(await quick(argv, { isTTY: true, columns: 100 })).toBe(await live(argv, true));
    },
  );

  it.each([
    [['models']],
    [['models', '--quiet', '--json']],
    [['models', '--json', '--region']],
    [['models', '--json', '--region', 'mars']],
    [['models', '--json', '--region=beijing']],
    [['models', '--json', '--region', 'beijing', '--region', 'singapore']],
    [['models', '--json', 'extra']],
    [['--json', 'models']],
    [['status', '--json']],
  ])('none for anything else: %j', async (argv) => {
    expect(await quick(argv)).toBeUndefined();
  });
});

describe('bin/wan.js', () => {
  // Records every module the process loads (hooks run in a thread of their own, hence the file).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wan-quick-'));
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(process.env.WAN_TEST_LOADED, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--help']],
    [['-h']],
    [['help']],
    [['models', '--help']],
    [['help', 'run']],
    [['status', '-h']],
    [['models', '--json']],
    [['models', '--region', 'singapore', '--json']],
  ])('%j: the quick answer, without loading the program', async (argv) => {
    const loaded = path.join(dir, `${argv.join('_')}.txt`);
    const r = await runBin(argv, {
      env: { NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, 'register.mjs')).href}`, WAN_TEST_LOADED: loaded },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await live(argv));
    const modules = readFileSync(loaded, 'utf8');
    expect(modules).toMatch(/bin\/wan\.js/);
    expect(modules).not.toMatch(/dist\/cli\/main\.js|commander|chalk/);
  });

  it('anything else runs the program', async () => {
    const loaded = path.join(dir, 'models.txt');
    const r = await runBin(['models'], {
      env: { NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, 'register.mjs')).href}`, WAN_TEST_LOADED: loaded },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await live(['models']));
    expect(readFileSync(loaded, 'utf8')).toMatch(/dist\/cli\/main\.js/);
  });
});
