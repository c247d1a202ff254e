import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../../src/journal/index.js';

/*
 * Real processes, because O_APPEND atomicity is a kernel property that threads in one process
 * would not test. The journal is compiled on its own into a temp dir (not `dist/`), so this test
 * neither depends on a prior build nor on the rest of the project compiling.
 */

const ROOT = resolve(__dirname, '../../..');
const PROCESSES = 4;
const APPENDS = 20;

let dir: string;
let modulePath: string;

// Each child waits for "go" on stdin so the four really append at the same time, then fires all
// its appends at once. Prompts vary from tiny to well past PIPE_BUF (4 KiB) to make tearing visible.
const CHILD = `
import { pathToFileURL } from 'node:url';
const [modulePath, stateDir, worker, count] = process.argv.slice(2);
const { Journal } = await import(pathToFileURL(modulePath).href);
const journal = new Journal(stateDir);
const sizes = [1, 100, 3000, 5000, 20000, 50000];
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
await Promise.all(Array.from({ length: Number(count) }, (_, n) => {
  const id = worker + '-' + n;
  const prompt = (id + ':').padEnd(sizes[n % sizes.length], String.fromCharCode(97 + (n % 26)));
  return journal.append({ type: 'intent', id, region: 'r', baseUrl: 'b', model: 'm', prompt, parameters: { n }, requestHash: id });
}));
process.stdin.destroy();
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-journal-procs-'));
  const out = join(dir, 'out');
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--outDir',
      out,
      '--rootDir',
      join(ROOT, 'src'),
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      join(ROOT, 'src/journal/index.ts'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  // ESM output needs "type": "module" and a way to resolve 'zod'.
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'child.mjs'), CHILD);
  modulePath = join(out, 'journal', 'index.js');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startChild(stateDir: string, worker: number) {
  const child = spawn(
    process.execPath,
    [join(dir, 'child.mjs'), modulePath, stateDir, String(worker), String(APPENDS)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const ready = new Promise<void>((ok) => child.stdout.once('data', () => ok()));
  const done = new Promise<void>((ok, fail) =>
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`child ${worker} exited ${code}: ${stderr}`)))),
  );
  return { child, ready, done };
}

describe('concurrent appends from several processes', () => {
  it(`keeps all ${PROCESSES * APPENDS} lines whole`, async () => {
    const stateDir = join(dir, 'state');
    const children = Array.from({ length: PROCESSES }, (_, i) => startChild(stateDir, i));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    await Promise.all(children.map((c) => c.done));

    const text = await readFile(join(stateDir, 'journal.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    // Empty lines are allowed: an appender that raced another's write may add a spare `\n`
    // (see append.ts); readers skip them.
    const lines = text.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(PROCESSES * APPENDS);
    const records = lines.map((line) => JSON.parse(line) as { id: string; prompt: string; requestHash: string });
    for (const r of records) {
      // A prompt is its id, a colon, then one repeated letter: any interleaving breaks this.
      expect(r.prompt).toMatch(new RegExp(`^${r.id}:([a-z])\\1*$|^${r.id}:$`));
      expect(r.requestHash).toBe(r.id);
    }
    const ids = records.map((r) => r.id).sort();
    expect(new Set(ids).size).toBe(ids.length);
    const expected = Array.from({ length: PROCESSES }, (_, w) => Array.from({ length: APPENDS }, (_, n) => `${w}-${n}`))
      .flat()
      .sort();
    expect(ids).toEqual(expected);
    expect(await new Journal(stateDir).orphans()).toHaveLength(PROCESSES * APPENDS);
  }, 60_000);
});
