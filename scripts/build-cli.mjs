#!/usr/bin/env node
// Builds dist/cli, what bin/wan.js runs (after `tsc` has built dist/ for the library and the sandbox):
//   1. the program: src/main.ts and src/output/system-io.ts with their packages, one chunk per
//      lazily loaded part (each command, the config loader, the HTTP client, …);
//   2. quick-answers.js, what bin/wan.js answers without the program (src/quick-answers.ts): one
//      file of its own, sharing no chunk with the program, so that it loads nothing else;
//   3. help.json: the help texts, rendered by the program, that bin/wan.js prints (src/help-cache.ts).
// Start-up time is mostly module loading (each file costs about a millisecond to find, read and
// link), so packages are bundled into a few chunks rather than loaded file by file from
// node_modules (zod alone is ~100 files, undici ~150).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FINAL = path.join(ROOT, 'dist/cli');
// Built beside dist/cli and swapped in at the end: no stale chunks, and a `wan` running meanwhile
// never sees a half-written CLI. At the same depth under dist/, so `../sandbox/*` resolves alike.
const OUT = path.join(ROOT, `dist/cli.building-${process.pid}`);

try {
  await bundle();
  writeFileSync(path.join(OUT, 'help.json'), `${JSON.stringify(await renderHelp())}\n`);
  const old = `${OUT}.old`;
  try {
    renameSync(FINAL, old);
  } catch {
    // the first build
  }
  renameSync(OUT, FINAL);
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(OUT, { recursive: true, force: true });
}

async function bundle() {
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  };
  await build({ ...common, entryPoints: ['src/quick-answers.ts'], outfile: path.join(OUT, 'quick-answers.js') });
  await build({
    ...common,
    entryPoints: ['src/main.ts', 'src/output/system-io.ts'],
    outdir: OUT,
    splitting: true,
    external: [
      // The sandbox runs from dist/sandbox (its worker and video encoder are files of their own).
      '../sandbox/*',
      // cosmiconfig require()s .js/.ts config files relative to its own files (import-fresh,
      // typescript): it must run from node_modules.
      'cosmiconfig',
    ],
    // The bundled CommonJS packages (commander, undici, cli-progress) require() Node's modules.
    // (process.getBuiltinModule, not `import 'node:module'`: importing a built-in module as ESM
    // reads all its exports, and node:module's pull in the source-map support.)
    banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  });
}

/**
 * Runs the bundled program for every help request bin/wan.js may answer from the table: `--help`,
 * `-h` and `help`, each command's `--help` and `-h`, and `help <command>`, with stdout not a
 * terminal. Only requests that print to stdout alone and exit 0 are kept.
 */
async function renderHelp() {
  const { main, buildProgram, HELP_WIDTH_OFF_TERMINAL } = await import(pathToFileURL(path.join(OUT, 'main.js')).href);
  const { helpRequestKey } = await import(pathToFileURL(path.join(ROOT, 'dist/help-cache.js')).href); // tsc's
  const home = mkdtempSync(path.join(os.tmpdir(), 'wan-help-'));
  const run = async (argv) => {
    const capture = () => ({
      text: '',
      isTTY: false,
      write(s) {
        this.text += s;
        return true;
      },
    });
    const io = {
      stdout: capture(),
      stderr: capture(),
      stdin: Readable.from([]),
      env: {},
      cwd: home,
      home,
      signal: new AbortController().signal,
    };
    const code = await main(argv, io);
    return code === 0 && io.stderr.text === '' && io.stdout.text !== '' ? io.stdout.text : undefined;
  };
  const requests = [['--help'], ['-h'], ['help']];
  const visit = (command, route) => {
    for (const sub of command.createHelp().visibleCommands(command)) {
      if (sub.name() === 'help') continue; // Commander's own `help [command]`
      const subRoute = [...route, sub.name()];
      requests.push([...subRoute, '--help'], [...subRoute, '-h']);
      if (route.length === 0) requests.push(['help', sub.name()]);
      visit(sub, subRoute);
    }
  };
  visit(await buildProgram({ io: {}, services: {}, exitCode: 0 }), []);
  const cache = { width: HELP_WIDTH_OFF_TERMINAL, texts: [], requests: {} };
  for (const argv of requests) {
    const text = await run(argv);
    if (text === undefined) continue;
    if (!cache.texts.includes(text)) cache.texts.push(text);
    cache.requests[helpRequestKey(argv)] = cache.texts.indexOf(text);
  }
  rmSync(home, { recursive: true, force: true });
  return cache;
}
