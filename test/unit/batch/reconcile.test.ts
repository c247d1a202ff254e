import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WanClient } from '../../../src/api/client.js';
import { reconcileOrphans } from '../../../src/batch/reconcile.js';
import { Journal, requestHash, type TaskEntry } from '../../../src/journal/index.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';

/** Orphans as a SIGKILL during creates leaves them: an intent, no task id. */
let dir: string;
let sandbox: Sandbox;
let client: WanClient;
let journal: Journal;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-reconcile-'));
  // Finished at once: `orig_prompt` is shown only once a task has SUCCEEDED (§4.2).
  sandbox = await startSandbox({
    pendingMs: 0,
    runningMs: 0,
    script: (task) => (task.prompt.startsWith('slow') ? { pendingMs: 60_000 } : undefined),
  });
  client = new WanClient({ apiKey: 'sk-test', baseUrl: sandbox.baseUrl });
  journal = new Journal(join(dir, 'state'));
});
afterEach(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function orphan(id: string, prompt: string, at: number): Promise<TaskEntry> {
  const request = client.prepareCreate({ prompt, model: 'wan2.2-t2v-plus', size: '832*480' });
  await journal.append({
    type: 'intent',
    id,
    at: new Date(at).toISOString(),
    region: 'beijing',
    baseUrl: client.baseUrl,
    model: request.body.model,
    prompt,
    parameters: request.body.parameters,
    requestHash: requestHash(request.body),
    idempotencyKey: `key-${id}`,
  });
  return (await journal.entries()).find((e) => e.id === id)!;
}

const deps = () => ({ client, journal, pace: async () => {}, now: Date.now() });
const created = (prompt: string) => client.createTask({ prompt, model: 'wan2.2-t2v-plus', size: '832*480' });

describe('reconcileOrphans', () => {
  it('matches several orphans to the unknown tasks by prompt and time, and records a certain failure for the one never sent', async () => {
    const now = Date.now();
    // A task the journal knows (another line's): never a candidate.
    const known = await created('a heron');
    await journal.append({
      type: 'intent',
      id: 'k',
      region: 'beijing',
      baseUrl: client.baseUrl,
      model: 'wan2.2-t2v-plus',
      prompt: 'a heron',
      parameters: {},
      requestHash: 'x',
    });
    await journal.append({ type: 'created', id: 'k', taskId: known.taskId, requestId: known.requestId });
    const a = await orphan('a', 'a heron', now - 50);
    const fox = await created('a fox');
    const heron = await created('a heron');
    const b = await orphan('b', 'a fox', now - 40);
    const c = await orphan('c', 'a cat', now - 30); // its POST never arrived

    const found = await reconcileOrphans(
      [
        { line: 1, entry: a },
        { line: 2, entry: b },
        { line: 3, entry: c },
      ],
      deps(),
    );
    expect(found).toEqual(
      new Map([
        [1, heron.taskId],
        [2, fox.taskId],
      ]),
    );
    const entries = new Map((await journal.entries()).map((e) => [e.id, e]));
    expect(entries.get('a')).toMatchObject({ taskId: heron.taskId, orphan: false });
    expect(entries.get('b')).toMatchObject({ taskId: fox.taskId, orphan: false });
    expect(entries.get('c')).toMatchObject({ orphan: false, createFailed: { certain: true } });
  });

  it('two orphans with the same prompt get one task each', async () => {
    const now = Date.now();
    const one = await orphan('one', 'a heron', now - 20);
    const two = await orphan('two', 'a heron', now - 10);
    const t1 = await created('a heron');
    const t2 = await created('a heron');
    const found = await reconcileOrphans(
      [
        { line: 5, entry: two },
        { line: 4, entry: one },
      ],
      deps(),
    );
    expect(new Set(found.values())).toEqual(new Set([t1.taskId, t2.taskId]));
  });

  it('running tasks, whose prompt is not shown yet, are matched by the creation time nearest each intent', async () => {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
    const a = await orphan('a', 'slow heron', Date.now());
    const ta = await created('slow heron');
    await pause();
    const b = await orphan('b', 'slow fox', Date.now());
    const tb = await created('slow fox');
    const found = await reconcileOrphans(
      [
        { line: 2, entry: b },
        { line: 1, entry: a },
      ],
      deps(),
    );
    expect(found).toEqual(
      new Map([
        [1, ta.taskId],
        [2, tb.taskId],
      ]),
    );
  });

  it('nothing to do, nothing asked', async () => {
    expect(await reconcileOrphans([], deps())).toEqual(new Map());
    expect(sandbox.requests).toEqual([]);
  });
});
