import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './run-bin.js';

/** The README's text, and the way its examples are run: in `sh`, with the built `wan` on PATH. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The fenced block of `lang` that contains `marker`. */
export function readmeBlock(lang: string, marker: string): string {
  const blocks = [...README.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
  const found = blocks.find((b) => b.includes(marker));
  if (!found) throw new Error(`no \`\`\`${lang} block with ${marker} in README.md`);
  return found;
}

/** A directory holding a `wan` that runs the built binary under this node, to put on PATH. */
export function wanOnPath(dir: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'wan'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(path.join(bin, 'wan'), 0o755);
  return bin;
}

/**
 * Runs one line in `sh -e` in `cwd`, with `bin` first on PATH, a HOME of its own, CI=true and `env`.
 * Asynchronously: a sandbox answering it may run in the test's own process.
 */
export function shellStep(command: string, cwd: string, bin: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    mkdirSync(path.join(cwd, 'home'), { recursive: true });
    const child = spawn('sh', ['-ec', command], {
      cwd,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: path.join(cwd, 'home'), CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
