#!/usr/bin/env node
// Bundles the program bin/wan.js runs into dist/cli/ (after `tsc` has built dist/ for the library
// and the sandbox). Start-up time is mostly module loading, about a millisecond per file, and zod
// and undici are hundreds of files each: bundled, `wan --version` loads a handful of chunks.
// Each lazily imported part (a command, the HTTP client, the config loader) stays a chunk of its
// own, so a command loads only what it uses. Measurements: bench/README.md.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/cli');

rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli.ts'],
  outdir: OUT,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: [
    // The sandbox runs from dist/sandbox: its worker and video encoder are files of their own.
    '../sandbox/*',
    // cosmiconfig require()s its loaders' packages (TypeScript among them) as it starts: bundled,
    // it loads them all; from node_modules, only what a config file needs.
    'cosmiconfig',
  ],
  // The bundled CommonJS packages (commander, undici, cli-progress) require() Node's modules.
  banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
});
