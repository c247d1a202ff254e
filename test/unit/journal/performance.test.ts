import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, type JournalRecord } from '../../../src/journal/index.js';

const TASKS = 10_000; // five records each: 50,000 lines

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-journal-perf-'));
  await mkdir(join(dir, 'state'));
  const lines: string[] = [];
  const at = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString();
  for (let i = 0; i < TASKS; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const records: JournalRecord[] = [
      {
        type: 'intent',
        id,
        at: at(i),
        region: 'ap-southeast-1',
        baseUrl: 'https://dashscope-intl.aliyuncs.com/api/v1',
        model: 'wan2.2-t2v-plus',
        prompt: `a paper boat drifting down a rainy street, cinematic, shot ${i}`,
        parameters: { size: '832*480', duration: 5, prompt_extend: true },
        requestHash: 'e'.repeat(64),
      },
      { type: 'created', id, at: at(i + 1), taskId: `task-${i}`, requestId: `req-${i}` },
      { type: 'status', id, at: at(i + 2), taskId: `task-${i}`, status: 'RUNNING' },
      {
        type: 'status',
        id,
        at: at(i + 3),
        taskId: `task-${i}`,
        status: 'SUCCEEDED',
        endTime: '2025-01-01 08:00:00.000',
        videoExpiresAt: at(i + 86_400),
      },
      {
        type: 'downloaded',
        id,
        at: at(i + 4),
        taskId: `task-${i}`,
        file: `/videos/${i}.mp4`,
        bytes: 1_234_567,
        sha256: 'f'.repeat(64),
      },
    ];
    for (const r of records) lines.push(JSON.stringify(r));
  }
  await writeFile(join(dir, 'state', 'journal.jsonl'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// How long this takes is measured by bench/journal.mjs (npm run bench): a timing is noise on a
// shared machine, so this test keeps what the fold must give, not how fast.
describe('a journal of 50,000 records', () => {
  it('reads and folds 50,000 records, and answers again from the cache', async () => {
    const journal = new Journal(join(dir, 'state'));
    const entries = await journal.entries();
    expect(entries).toHaveLength(TASKS);
    expect(entries.at(-1)).toMatchObject({ status: 'SUCCEEDED', download: { bytes: 1_234_567 } });
    expect(await journal.pending()).toEqual([]);
  });
});
