import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCreateRequest } from '../../../src/api/create-request.js';
import type { PlannedLine } from '../../../src/batch/plan.js';
import { resumeStates } from '../../../src/batch/resume.js';
import { foldRecords, type JournalRecord } from '../../../src/journal/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-resume-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const at = '2026-11-24T08:00:00.000Z';

function line(n: number): PlannedLine {
  const options = { prompt: `prompt ${n}`, model: 'wan2.2-t2v-plus', size: '832*480' };
  return {
    line: n,
    prompt: options.prompt,
    key: `k${n}`,
    request: buildCreateRequest(options, 'beijing'),
    options,
    identity: n === 9 ? 'another request' : 'h',
    inputs: [],
    file: join(dir, `${n}.mp4`),
  };
}

function entries(records: Array<Record<string, unknown>>) {
  const full = records.map((r) => ({ at, ...r }));
  return foldRecords(full as JournalRecord[]);
}
const intent = (id: string, key: string) => ({
  type: 'intent',
  id,
  region: 'beijing',
  baseUrl: 'x',
  model: 'wan2.2-t2v-plus',
  prompt: 'p',
  parameters: {},
  requestHash: 'h',
  idempotencyKey: key,
});

describe('resumeStates', () => {
  it('decides each line from the journal and the disk', async () => {
    await writeFile(join(dir, '1.mp4'), 'video one');
    await writeFile(join(dir, '3.mp4'), 'edited by hand');
    await writeFile(join(dir, '4.mp4'), 'video four');
    await writeFile(join(dir, '4.mp4.json'), JSON.stringify({ task_id: 't4', sha256: sha('video four') }));
    await writeFile(join(dir, '7.mp4'), 'not ours');
    const journal = entries([
      intent('a', 'k1'),
      { type: 'created', id: 'a', taskId: 't1', requestId: 'r' },
      { type: 'downloaded', id: 'a', taskId: 't1', file: join(dir, '1.mp4'), bytes: 9, sha256: sha('video one') },
      intent('b', 'k2'),
      { type: 'created', id: 'b', taskId: 't2', requestId: 'r' },
      { type: 'status', id: 'b', taskId: 't2', status: 'RUNNING' },
      intent('c', 'k3'),
      { type: 'created', id: 'c', taskId: 't3', requestId: 'r' },
      { type: 'downloaded', id: 'c', taskId: 't3', file: join(dir, '3.mp4'), bytes: 9, sha256: sha('video three') },
      intent('d', 'k4'),
      { type: 'created', id: 'd', taskId: 't4', requestId: 'r' },
      { type: 'status', id: 'd', taskId: 't4', status: 'SUCCEEDED' },
      intent('e', 'k5'),
      intent('f', 'k6'),
      { type: 'created', id: 'f', taskId: 't6', requestId: 'r' },
      { type: 'status', id: 'f', taskId: 't6', status: 'FAILED' },
      intent('g', 'k9'),
    ]);
    const states = await resumeStates([1, 2, 3, 4, 5, 6, 7, 8, 9].map(line), journal, false);
    expect([...states].map(([n, s]) => [n, s.kind])).toEqual([
      [1, 'done'], // downloaded, and the file is that download
      [2, 'adopt'], // still running: waited for, not created again
      [3, 'exists'], // downloaded once, but the file changed since: left alone
      [4, 'done'], // saved, killed before the journal heard: the sidecar vouches
      [5, 'orphan'], // cut off during its create
      [6, 'new'], // its task FAILED: made again (failed tasks are free)
      [7, 'exists'], // someone else's file
      [8, 'new'],
      [9, 'conflict'], // its explicit key was used for another request: refused before sending
    ]);
    expect(states.get(4)).toMatchObject({ recordDownload: true, sha256: sha('video four') });
    expect(states.get(1)).toMatchObject({ recordDownload: false, bytes: 9 });
  });

  it('--force replaces files in the way', async () => {
    await writeFile(join(dir, '1.mp4'), 'not ours');
    await writeFile(join(dir, '2.mp4'), 'a partial copy');
    const journal = entries([intent('b', 'k2'), { type: 'created', id: 'b', taskId: 't2', requestId: 'r' }]);
    const states = await resumeStates([line(1), line(2)], journal, true);
    expect([...states.values()].map((s) => s.kind)).toEqual(['new', 'adopt']);
  });
});
