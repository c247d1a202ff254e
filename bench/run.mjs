#!/usr/bin/env node
// On-demand benchmarks (`npm run bench`, never in CI). Every figure is a ratio against a baseline
// measured in the same run on the same machine; absolute times on shared machines are noise.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/wan.js');
const { startSandbox } = await import(path.join(ROOT, 'dist/sandbox/index.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const BIG = process.env.BENCH_BIG_MIB ? Number(process.env.BENCH_BIG_MIB) : 1024;
const rows = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wan-bench-'));

function exec(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr }));
  });
}

/**
 * Medians of RUNS runs of `target` and of its `baseline`, taken in turn (baseline, target,
 * baseline, …): a machine that slows down or speeds up meanwhile moves both alike.
 */
async function medians(baseline, target) {
  const times = [[], []];
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [cmd, args, env]] of [baseline, target].entries()) {
      const r = await exec(cmd, args, env);
      if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      times[k].push(r.ms);
    }
  }
  return times.map(median);
}

/** The middle value; of an even count, the upper of the two middle ones. */
function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function row(figure, value, baseline, target, lowerIsBetter = true) {
  const ratio = value / baseline;
  const pass = lowerIsBetter ? ratio <= target : ratio >= target;
  rows.push({
    figure,
    value: value.toFixed(1),
    baseline: baseline.toFixed(1),
    ratio: ratio.toFixed(2),
    target: `${lowerIsBetter ? '≤' : '≥'} ${target}`,
    result: pass ? 'pass' : 'FAIL',
  });
}

// 1. Start-up
const nodeE0 = [process.execPath, ['-e', '0']];
const startup = async (args) => medians(nodeE0, [process.execPath, args]);
{
  const [base, value] = await startup([BIN, '--version']);
  row('wan --version (ms)', value, base, 1.2);
}
{
  const [base, value] = await startup([BIN, '--help']);
  row('wan --help (ms)', value, base, 1.2);
}
{
  const [base, value] = await startup([BIN, 'models', '--json']);
  row('wan models --json (ms)', value, base, 1.5);
}
{
  // No target: how heavy `import { WanClient } from 'wan-cli'` is for a Node app.
  const [base, lib] = await startup([
    '--input-type=module',
    '-e',
    `await import(${JSON.stringify(path.join(ROOT, 'dist/index.js'))})`,
  ]);
  rows.push({
    figure: "import 'wan-cli' (ms)",
    value: lib.toFixed(1),
    baseline: base.toFixed(1),
    ratio: (lib / base).toFixed(2),
    target: '–',
    result: '–',
  });
}

// 2. status against a local sandbox vs a minimal undici GET
const sandbox = await startSandbox({ pendingMs: 0, runningMs: 0 });
const created = await (
  await fetch(`${sandbox.baseUrl}/services/aigc/video-generation/video-synthesis`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-bench', 'x-dashscope-async': 'enable', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'wan2.2-t2v-plus', input: { prompt: 'bench' }, parameters: { size: '832*480' } }),
  })
).json();
const id = created.output.task_id;
const minimal = path.join(tmp, 'minimal-get.mjs');
await import('node:fs').then((fs) =>
  fs.writeFileSync(
    minimal,
    `import { request } from ${JSON.stringify(path.join(ROOT, 'node_modules/undici/index.js'))};\nconst r = await request(process.argv[2], { headers: { authorization: 'Bearer sk-bench' } });\nprocess.stdout.write(await r.body.text());\n`,
  ),
);
const env = { DASHSCOPE_HTTP_BASE_URL: sandbox.baseUrl, DASHSCOPE_API_KEY: 'sk-bench', HOME: tmp };
{
  const [base, value] = await medians(
    [process.execPath, [minimal, `${sandbox.baseUrl}/tasks/${id}`]],
    [process.execPath, [BIN, 'status', id, '--json'], env],
  );
  row('wan status <id> (ms)', value, base, 1.5);
}

// 3. Download throughput and memory: a video padded to 100 MiB and to BIG MiB, from the sandbox's
// video listener (the OSS stand-in) on loopback; `curl -o` fetches the same signed URL in the same
// rounds. `wan download --no-sidecar` verifies length and CRC-64; the default also computes the
// SHA-256 its sidecar records, shown as its own row.
async function videoUrlOf(sb) {
  const headers = { authorization: 'Bearer sk-bench', 'content-type': 'application/json' };
  const made = await (
    await fetch(`${sb.baseUrl}/services/aigc/video-generation/video-synthesis`, {
      method: 'POST',
      headers: { ...headers, 'x-dashscope-async': 'enable' },
      body: JSON.stringify({ model: 'wan2.2-t2v-plus', input: { prompt: 'bench' }, parameters: { size: '832*480' } }),
    })
  ).json();
  for (;;) {
    const task = await (await fetch(`${sb.baseUrl}/tasks/${made.output.task_id}`, { headers })).json();
    if (task.output.video_url) return task.output.video_url;
    await new Promise((r) => setTimeout(r, 20));
  }
}
for (const mib of [100, BIG]) {
  const sb = await startSandbox({
    pendingMs: 0,
    runningMs: 0,
    videoBytes: mib * 2 ** 20,
    videoCacheDir: path.join(tmp, 'videos'),
  });
  const url = await videoUrlOf(sb);
  const out = path.join(tmp, 'out.mp4');
  // Untimed: makes the padded file and brings it into the page cache.
  await exec('curl', ['-s', '-o', '/dev/null', url]);
  const curl = [];
  const curlSync = [];
  const wan = [];
  const withSha = [];
  const floor = [];
  // In memory (tmpfs), where there is no disk to wait for and fsync costs nothing: the program's
  // own receiving, checking and writing against curl's, without the durability curl -o skips.
  const shm = existsSync('/dev/shm') ? path.join('/dev/shm', `wan-bench-${process.pid}.mp4`) : undefined;
  const curlShm = [];
  const wanShm = [];
  let rss = 0;
  const rounds = mib === BIG ? 8 : 3;
  // Each timed run starts with no dirty pages left by the one before (curl leaves its whole file
  // to the kernel's writeback, which would otherwise slow whoever writes next).
  const clean = async () => {
    rmSync(out, { force: true });
    rmSync(`${out}.json`, { force: true });
    if (shm) rmSync(shm, { force: true });
    await exec('sync', []);
  };
  const steps = [
    async () => curl.push((await exec('curl', ['-s', '-o', out, url])).ms),
    async () => {
      const r = await exec(
        '/usr/bin/time',
        ['-f', '%M', process.execPath, BIN, 'download', url, '-o', out, '--no-sidecar', '--force'],
        env,
      );
      if (r.code !== 0) throw new Error(r.stderr);
      wan.push(r.ms);
      rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)) / 1024);
    },
  ];
  if (mib === BIG) {
    steps.push(
      // curl -o then sync: the same bytes made durable, as wan does before its rename.
      async () => curlSync.push((await exec('sh', ['-c', 'curl -s -o "$1" "$2" && sync', 'sh', out, url])).ms),
      async () => {
        const d = await exec(process.execPath, [BIN, 'download', url, '-o', out, '--force'], env);
        if (d.code !== 0) throw new Error(d.stderr);
        withSha.push(d.ms);
      },
      // The disk's own floor for a durable GiB: written straight from memory with O_DIRECT, then
      // fsynced; no network, no program start. No durable download can beat it.
      async () => {
        const d = await exec('dd', [
          'if=/dev/zero',
          `of=${out}`,
          'bs=1M',
          `count=${mib}`,
          'oflag=direct',
          'conv=fsync',
        ]);
        if (d.code === 0) floor.push(d.ms);
      },
    );
    if (shm) {
      steps.push(
        async () => curlShm.push((await exec('curl', ['-s', '-o', shm, url])).ms),
        async () => {
          const d = await exec(process.execPath, [BIN, 'download', url, '-o', shm, '--no-sidecar', '--force'], env);
          if (d.code !== 0) throw new Error(d.stderr);
          wanShm.push(d.ms);
        },
      );
    }
  }
  for (let i = 0; i < rounds; i++) {
    // Each round starts with a different one: what a run leaves behind (writeback, the disk's
    // cache) carries over to the next, and a fixed order would always hand it to the same one.
    for (let j = 0; j < steps.length; j++) {
      await clean();
      await steps[(i + j) % steps.length]();
    }
  }
  if (mib === BIG) {
    const curlRate = (mib * 1000) / median(curl);
    row(`download ${mib} MiB, CRC-64 + length (MiB/s), vs curl -o`, (mib * 1000) / median(wan), curlRate, 0.9, false);
    row(
      `download ${mib} MiB (MiB/s), vs curl -o && sync (both durable)`,
      (mib * 1000) / median(wan),
      (mib * 1000) / median(curlSync),
      0.9,
      false,
    );
    rows.at(-1).target = '–';
    rows.at(-1).result = '–';
    if (wanShm.length > 0) {
      row(
        `download ${mib} MiB into tmpfs, no disk (MiB/s), vs curl -o into tmpfs`,
        (mib * 1000) / median(wanShm),
        (mib * 1000) / median(curlShm),
        0.9,
        false,
      );
      rows.at(-1).target = '–';
      rows.at(-1).result = '–';
    }
    if (floor.length > 0) {
      row(
        `${mib} MiB written durably by dd, O_DIRECT + fsync, no network (MiB/s), vs curl -o`,
        (mib * 1000) / median(floor),
        curlRate,
        0.9,
        false,
      );
      rows.at(-1).target = '–';
      rows.at(-1).result = '–';
    }
    rows.push({
      figure: `download ${mib} MiB, default (+ SHA-256 for the sidecar)`,
      value: ((mib * 1000) / median(withSha)).toFixed(1),
      baseline: curlRate.toFixed(1),
      ratio: (median(curl) / median(withSha)).toFixed(2),
      target: '–',
      result: '–',
    });
  }
  rows.push({
    figure: `peak RSS, download ${mib} MiB (MB)`,
    value: rss.toFixed(0),
    baseline: '–',
    ratio: '–',
    target: '≤ 100',
    result: rss <= 100 ? 'pass' : 'FAIL',
  });
  await sb.close();
  rmSync(out, { force: true });
  rmSync(path.join(tmp, 'videos'), { recursive: true, force: true });
}

// 4. Sandbox throughput: create-or-query requests per second, one process
{
  const started = performance.now();
  const total = 3000;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let i = 0; i < total / 10; i++) {
        const r = await request(`${sandbox.baseUrl}/tasks/${id}`, { headers: { authorization: 'Bearer sk-bench' } });
        await r.body.dump();
      }
    }),
  );
  const rps = total / ((performance.now() - started) / 1000);
  rows.push({
    figure: 'sandbox queries per second',
    value: rps.toFixed(0),
    baseline: '–',
    ratio: '–',
    target: '≥ 1000',
    result: rps >= 1000 ? 'pass' : 'FAIL',
  });
}
await sandbox.close();

// 5. Polling economy and batch makespan (bench/economy.mjs; about 2 minutes)
{
  const { economyRows } = await import('./economy.mjs');
  rows.push(...(await economyRows({ root: ROOT, tmp })));
}
// 6. The task journal: 50,000 records read and folded (bench/journal.mjs)
{
  const { journalRows } = await import('./journal.mjs');
  rows.push(...(await journalRows({ root: ROOT, tmp })));
}
rmSync(tmp, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
process.stdout.write(
  `wan bench — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${RUNS} runs (medians)\n\n`,
);
const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
const widths = header.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(
  `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line(header.map((h) => r[h]))).join('\n')}\n`,
);
