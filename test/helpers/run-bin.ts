import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/wan.js', import.meta.url));

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface BinOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
  /** Called once the process is running, e.g. to send it a signal when its output says so. */
  onStart?: (child: ChildProcess, output: { stdout: () => string; stderr: () => string }) => void;
}

/**
 * Runs the built `wan` binary as a user would: its own environment (no inherited key, no TTY,
 * CI=true), and stdout, stderr and the exit code kept apart.
 */
export function runBin(args: string[], opts: BinOptions = {}): Promise<BinResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: opts.env?.HOME ?? '/nonexistent-home',
    CI: 'true',
    NO_COLOR: '1',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
    opts.onStart?.(child, { stdout: () => stdout, stderr: () => stderr });
  });
}
