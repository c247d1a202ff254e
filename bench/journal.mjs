#!/usr/bin/env node
// On-demand benchmark of the task journal (`npm run bench` via run.mjs, or `node bench/journal.mjs`
// on its own; never in CI): read and fold a journal of 50,000 records (10,000 tasks, five records
// each), cold, then again from the in-memory cache. Moved here from the unit tests, which keep the
// correctness of the same fold without timing it: times on a shared machine are noise for a test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TASKS = 10_000;
/** What the unit test asserted before it moved here: well under 1.5 s cold. */
const COLD_TARGET_MS = 1500;

/** The journal the unit test folds (test/unit/journal/performance.test.ts), written under `dir`/state. */
function writeJournal(dir) {
  mkdirSync(path.join(dir, 'state'), { recursive: true });
  const lines = [];
  const at = (n) => new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString();
  for (let i = 0; i < TASKS; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const records = [
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
  writeFileSync(path.join(dir, 'state', 'journal.jsonl'), `${lines.join('\n')}\n`);
}

export async function journalRows({ root, tmp }) {
  const { Journal } = await import(pathToFileURL(path.join(root, 'dist/journal/index.js')).href);
  const dir = mkdtempSync(path.join(tmp, 'journal-'));
  writeJournal(dir);
  const journal = new Journal(path.join(dir, 'state'));
  const started = performance.now();
  const entries = await journal.entries();
  const cold = performance.now() - started;
  if (entries.length !== TASKS) throw new Error(`the journal folded into ${entries.length} entries, not ${TASKS}`);
  const again = performance.now();
  await journal.pending();
  const cached = performance.now() - again;
  return [
    {
      figure: `journal: read and fold ${(TASKS * 5).toLocaleString('en-US')} records (ms)`,
      value: cold.toFixed(1),
      baseline: '–',
      ratio: '–',
      target: `≤ ${COLD_TARGET_MS}`,
      result: cold <= COLD_TARGET_MS ? 'pass' : 'FAIL',
    },
    {
      figure: 'journal: the same again, from the cache (ms)',
      value: cached.toFixed(1),
      baseline: cold.toFixed(1),
      ratio: (cached / cold).toFixed(2),
      target: '< 1',
      result: cached < cold ? 'pass' : 'FAIL',
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wan-bench-journal-'));
  try {
    const rows = await journalRows({ root, tmp });
    const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
    const widths = header.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
    const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
    process.stdout.write(
      `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line(header.map((h) => r[h]))).join('\n')}\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
