import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../../src/batch/report.js';
import { main } from '../../../src/main.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { type SandboxFixture, sandboxFixture } from '../../helpers/sandbox.js';
import { testIO } from '../../helpers/test-io.js';

/**
 * `wan batch` in-process: the three renderings (TTY, plain, --json), stdin, --dry-run and
 * --max-cost. Time is a fake clock, and the sandbox's tasks finish at once, so nothing waits.
 */
let fx: SandboxFixture;
let work: string;
let n = 0;

beforeAll(async () => {
  fx = await sandboxFixture();
});
afterAll(async () => fx.close());
beforeEach(() => {
  work = path.join(fx.dir, `case-${++n}`);
  mkdirSync(work);
});

async function wan(args: string[], opts: { stderrTTY?: boolean; stdin?: string } = {}) {
  const t = testIO({
    stderrTTY: opts.stderrTTY,
    stdin: opts.stdin,
    cwd: work,
    home: work,
    env: {
      DASHSCOPE_HTTP_BASE_URL: fx.sandbox.baseUrl,
      DASHSCOPE_API_KEY: 'sk-test-batch',
      WAN_STATE_DIR: path.join(work, 'state'),
    },
  });
  const code = await main(args, t.io, { clock: fakeClock(Date.now()) });
  return { code, stdout: t.out(), stderr: t.err() };
}

const FLAGS = ['-m', 'wan2.2-t2v-plus', '-s', '832*480', '--seed', '100', '--interval', '1s'];
const creates = () => fx.apiRequests().filter((r) => r.method === 'POST').length;

describe('wan batch (in-process)', () => {
  it('plain: one line per event on stderr, the report path on stdout', async () => {
    writeFileSync(path.join(work, 'p.txt'), '# two shots\na heron in the reeds\n\na fox in the snow\n');
    const r = await wan(['batch', 'p.txt', ...FLAGS]);
    expect(r.code, r.stderr).toBe(0);
    // Each run keeps its own report, named after the batch file and the time it started.
    expect(r.stdout).toMatch(new RegExp(`^${path.join(work, 'p-')}\\d{8}-\\d{6}\\.report\\.json\n$`));
    expect(r.stderr).toMatch(/^line 2: task \S+ created$/m);
    expect(r.stderr).toMatch(/^line 4: saved .*004-a-fox-in-the-snow\.mp4$/m);
    expect(r.stderr).not.toMatch(/\u001b\[/);
  });

  it('TTY: one progress display (an overall bar, live task lines), and the same milestones', async () => {
    writeFileSync(path.join(work, 'p.txt'), 'a heron in the reeds\na fox in the snow\n');
    const r = await wan(['batch', 'p.txt', ...FLAGS, '--yes'], { stderrTTY: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/batch \[.*\] 2\/2 \| 2 saved, 0 failed/);
    expect(r.stderr).toMatch(/line 1: saved /);
    expect(r.stderr).toMatch(/^batch: 2 of 2 videos saved/m);
  });

  it('--json from stdin: the report on stdout, nothing on stderr; a re-run creates nothing', async () => {
    const jsonl =
      '{"prompt":"a heron in the reeds","output":"heron.mp4"}\n{"prompt":"a fox in the snow","key":"fox"}\n';
    const before = creates();
    const r = await wan(['batch', '-', ...FLAGS, '--json'], { stdin: jsonl });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as BatchReport;
    expect(report.file).toBe('stdin');
    expect(report.lines.map((l) => [l.line, l.key.startsWith('batch-') || l.key, path.basename(l.file!)])).toEqual([
      [1, true, 'heron.mp4'],
      [2, 'fox', '002-a-fox-in-the-snow.mp4'],
    ]);
    const written = readdirSync(work).filter((f) => /^stdin-.*\.report\.json$/.test(f));
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(work, written[0]!), 'utf8'))).toEqual(report);
    expect(creates() - before).toBe(2);

    const again = await wan(['batch', '-', ...FLAGS, '--json'], { stdin: jsonl });
    expect(again.code).toBe(0);
    expect(creates() - before).toBe(2);
    expect((JSON.parse(again.stdout) as BatchReport).lines.map((l) => l.sha256)).toEqual(
      report.lines.map((l) => l.sha256),
    );
  });

  it('--dry-run prices and lists every line and sends nothing', async () => {
    writeFileSync(path.join(work, 'p.jsonl'), '{"prompt":"a"}\n{"prompt":"b","size":"1920*1080"}\n');
    const before = fx.sandbox.requests.length;
    const r = await wan(['batch', 'p.jsonl', ...FLAGS, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `line 1: create: wan2.2-t2v-plus, 832*480 (480P), 5s, about 0.70 CNY → ${path.join(work, '001-a.mp4')}\n` +
        `line 2: create: wan2.2-t2v-plus, 1920*1080 (1080P), 5s, about 3.50 CNY → ${path.join(work, '002-b.mp4')}\n`,
    );
    expect(r.stderr).toMatch(/dry run: nothing was sent\. batch: 2 lines: 2 to create \(about 4\.20 CNY/);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it('--max-cost below the total: exit 2, nothing sent', async () => {
    writeFileSync(path.join(work, 'p.txt'), 'a\nb\nc\n');
    const before = fx.sandbox.requests.length;
    const r = await wan(['batch', 'p.txt', ...FLAGS, '--max-cost', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-cost: the batch's estimated cost 2\.10 CNY is above 2\.00 CNY; nothing was sent/);
    expect(fx.sandbox.requests.length).toBe(before);
  });

  it.each([
    [['--concurrency', '0'], /--concurrency takes a whole number from 1 to 1000/],
    [['--rate', 'fast'], /--rate takes a number above 0/],
  ])('bad %j: exit 2', async (flags, message) => {
    writeFileSync(path.join(work, 'p.txt'), 'a\n');
    const r = await wan(['batch', 'p.txt', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a missing batch file: exit 2', async () => {
    const r = await wan(['batch', 'nope.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.jsonl does not exist/);
  });
});
