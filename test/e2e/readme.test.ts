import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, readmeBlock, shellStep, wanOnPath } from '../helpers/readme.js';

/**
 * The README's CI recipes, run from its own text as a newcomer would run them: the GitHub Actions
 * and GitLab CI steps against a sandbox standing in for DashScope (a fresh state directory, the key
 * in the job's environment), so they cannot rot. Steps that install (`npm ci && npm link`) are
 * replaced by a `wan` on PATH: the built binary. The Every mode examples: readme-modes.test.ts.
 */
let dir: string;
let bin: string;
let sandbox: { baseUrl: string; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wan-readme-'));
  bin = wanOnPath(dir);
  const { startSandbox } = (await import(path.join(ROOT, 'dist/sandbox/index.js'))) as {
    startSandbox: (o: object) => Promise<{ baseUrl: string; close(): Promise<void> }>;
  };
  sandbox = await startSandbox({ pendingMs: 50, runningMs: 200, videoCacheDir: path.join(dir, 'video-cache') });
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One recipe step, in the job's shell, against the sandbox. */
const step = (command: string, workspace: string, env: Record<string, string>) =>
  shellStep(command, workspace, bin, {
    DASHSCOPE_HTTP_BASE_URL: sandbox.baseUrl,
    // The sandbox's tasks take 250 ms: polling at the 5 s default would only make the test slow.
    WAN_POLL_INTERVAL: '1s',
    ...env,
  });

function workspace(name: string): string {
  const ws = path.join(dir, name);
  mkdirSync(ws, { recursive: true });
  return ws;
}

describe("the README's CI recipes, run from its text against the sandbox", () => {
  it('GitHub Actions: every run step succeeds on a first run, the key set for the whole job', async () => {
    const yaml = readmeBlock('yaml', 'runs-on: ubuntu-latest');
    // The job's own environment: a secret stands in for the key, and the recovery step gets it too.
    expect(yaml).toMatch(/^ {4}env:\n {6}DASHSCOPE_API_KEY: \$\{\{ secrets\.DASHSCOPE_API_KEY \}\}$/m);
    expect(yaml).not.toContain('|| true');
    const runs = [...yaml.matchAll(/^\s+(?:- )?run: (.+)$/gm)].map((m) => m[1]!.replace(/\s+#.*$/, ''));
    expect(runs[0]).toMatch(/^npm ci && npm link/);
    const ws = workspace('github');
    const output = path.join(ws, 'github-output');
    writeFileSync(output, '');
    const outputs = () =>
      Object.fromEntries(
        readFileSync(output, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    const env = {
      DASHSCOPE_API_KEY: 'sk-readme-secret',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: path.join(ws, 'summary.md'),
    };
    for (const run of runs.slice(1)) {
      const command = run.replace(/\$\{\{ steps\.wan\.outputs\.(\w+) \}\}/g, (_, key: string) => outputs()[key] ?? '');
      const r = await step(command, ws, env);
      expect(r.stderr, command).not.toMatch(/^error/m);
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
    }
    expect(existsSync(path.join(ws, 'videos/boat.mp4'))).toBe(true);
    expect(outputs().file).toBe(path.join(ws, 'videos/boat.mp4'));
    expect(JSON.parse(outputs().tasks!)).toHaveLength(1);
  });

  it('GitLab CI: every script line succeeds, and the recovery step finishes what a killed job left', async () => {
    const yaml = readmeBlock('yaml', 'image: node:20');
    expect(yaml).not.toContain('|| true');
    const script = yaml.slice(yaml.indexOf('script:'), yaml.indexOf('artifacts:'));
    const lines = [...script.matchAll(/^\s+- (.+)$/gm)].map((m) => m[1]!.replace(/\s+#.*$/, ''));
    expect(lines[0]).toMatch(/^npm ci && npm link/);
    const ws = workspace('gitlab');
    const env = { DASHSCOPE_API_KEY: 'sk-readme-masked', WAN_STATE_DIR: path.join(ws, '.wan-state') };
    // A first job was killed after its create: the task is in the cached journal, not yet saved.
    const killed = await step('wan create "a paper boat drifting down a rainy street" --size 832x480', ws, env);
    expect(killed.status, killed.stderr).toBe(0);
    const left = killed.stdout.trim();
    for (const line of lines.slice(1)) {
      const r = await step(line, ws, env);
      expect(r.status, `${line}\n${r.stderr}`).toBe(0);
    }
    expect(existsSync(path.join(ws, 'videos', `${left}.mp4`))).toBe(true);
    expect(existsSync(path.join(ws, 'videos/boat.mp4'))).toBe(true);
  });
});
