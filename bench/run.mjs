#!/usr/bin/env node
// On-demand benchmarks (`npm run bench`, never in CI). Every figure is compared with a baseline
// measured in the same run on the same machine (a ratio or a difference); absolute times on shared
// machines are noise. bench/README.md has the latest table and what it measured.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startPacingProxy } from './pacing-proxy.mjs';

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
// The commands scripts call: within 2× of Node starting and doing nothing.
for (const args of [['--version'], ['--help'], ['models', '--json']]) {
  const [base, value] = await startup([BIN, ...args]);
  row(`wan ${args.join(' ')} (ms)`, value, base, 2);
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
  row('wan status <id> (ms)', value, base, 1.3);
}

// 3. Downloads, from the sandbox's video listener (the OSS stand-in), padded to size with an MP4
// `free` box. Every wan run is `wan download <task-id>`: start-up, the task lookup, the download,
// its checks, the fsync and the sidecar, against `curl -o FILE URL && sync FILE` (the same bytes,
// made durable as wan makes them before its rename). Each timed run starts after a `sync`, and
// each round starts with a different contender.
async function taskWithVideo(sb) {
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
    if (task.output.video_url) return { id: made.output.task_id, url: task.output.video_url };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `count` rounds of `contenders` (name → run()), rotating who goes first; times in ms by name. */
async function rounds(count, contenders, clean) {
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      await clean();
      times[name].push(await contenders[name]());
    }
  }
  return times;
}

async function downloadSandbox(mib) {
  const sb = await startSandbox({
    pendingMs: 0,
    runningMs: 0,
    videoBytes: mib * 2 ** 20,
    videoCacheDir: path.join(tmp, 'videos'),
  });
  const task = await taskWithVideo(sb);
  // Untimed: makes the padded file and brings it into the page cache.
  await exec('curl', ['-s', '-o', '/dev/null', task.url]);
  const env = { DASHSCOPE_HTTP_BASE_URL: sb.baseUrl, DASHSCOPE_API_KEY: 'sk-bench', HOME: tmp };
  return { sb, ...task, env };
}

const out = path.join(tmp, 'out.mp4');
const clean = async () => {
  rmSync(out, { force: true });
  rmSync(`${out}.json`, { force: true });
  await exec('sync', []);
};
async function timed(cmd, args, env) {
  const r = await exec(cmd, args, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
/** Peak RSS in MB of a command run under /usr/bin/time, and its time in ms. */
async function measured(args, env) {
  const r = await timed('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], env);
  return { ms: r.ms, rss: Number(r.stderr.trim().split('\n').at(-1)) / 1024 };
}

// 3a. A video as big as a long Wan one (48 MiB), paced like a good link to OSS (100 MiB/s, 20 ms
// to the first byte) by bench/pacing-proxy.mjs, which both contenders go through. wan reaches it
// as a proxy through HTTP_PROXY, the API directly (NO_PROXY).
{
  const mib = 48;
  const { sb, id, url, env } = await downloadSandbox(mib);
  const proxy = await startPacingProxy({ bytesPerSecond: 100 * 2 ** 20, latencyMs: 20 });
  const proxied = { ...env, HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${new URL(sb.baseUrl).port}` };
  const times = await rounds(
    RUNS,
    {
      curl: async () =>
        (await timed('sh', ['-c', 'curl -s -x "$1" -o "$2" "$3" && sync "$2"', 'sh', proxy.url, out, url])).ms,
      wan: async () => (await timed(process.execPath, [BIN, 'download', id, '-o', out, '--force'], proxied)).ms,
    },
    clean,
  );
  if (proxy.requests < 2 * RUNS) throw new Error(`only ${proxy.requests} requests went through the pacing proxy`);
  const [wan, curl] = [median(times.wan) / 1000, median(times.curl) / 1000];
  rows.push({
    figure: `wan download <id>, ${mib} MiB at 100 MiB/s + 20 ms (s), vs curl -o && sync, same proxy`,
    value: wan.toFixed(2),
    baseline: curl.toFixed(2),
    ratio: `+${(wan - curl).toFixed(2)} s`,
    target: '≤ +0.25 s',
    result: wan - curl <= 0.25 ? 'pass' : 'FAIL',
  });
  await proxy.close();
  await sb.close();
}

// 3b. Loopback, as fast as the machine goes: memory must stay flat at any size (peak RSS at most
// 48 MB above `wan status`'s), and the BIG download within 2x of curl's time.
for (const mib of [100, BIG]) {
  const { sb, id, url, env } = await downloadSandbox(mib);
  let statusRss = [];
  let rss = 0;
  const times = await rounds(
    mib === BIG ? 8 : 3,
    {
      curl: async () => (await timed('sh', ['-c', 'curl -s -o "$1" "$2" && sync "$1"', 'sh', out, url])).ms,
      wan: async () => {
        const r = await measured(['download', id, '-o', out, '--force'], env);
        rss = Math.max(rss, r.rss);
        return r.ms;
      },
      status: async () => {
        const r = await measured(['status', id, '--json'], env);
        statusRss.push(r.rss);
        return r.ms;
      },
    },
    clean,
  );
  statusRss = median(statusRss);
  rows.push({
    figure: `peak RSS, wan download ${mib} MiB (MB), vs wan status`,
    value: rss.toFixed(0),
    baseline: statusRss.toFixed(0),
    ratio: `+${(rss - statusRss).toFixed(0)} MB`,
    target: '≤ +48 MB',
    result: rss - statusRss <= 48 ? 'pass' : 'FAIL',
  });
  if (mib === BIG) {
    row(
      `wan download <id>, ${mib} MiB on loopback (s), vs curl -o && sync`,
      median(times.wan) / 1000,
      median(times.curl) / 1000,
      2,
    );
    rows.at(-1).value = (median(times.wan) / 1000).toFixed(2);
    rows.at(-1).baseline = (median(times.curl) / 1000).toFixed(2);
  }
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
  `wan bench — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${RUNS} runs (medians), load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end\n\n`,
);
const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
const widths = header.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(
  `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line(header.map((h) => r[h]))).join('\n')}\n`,
);
