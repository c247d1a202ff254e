#!/usr/bin/env node
// On-demand benchmarks (`npm run bench`, never in CI). Every figure is a ratio against a baseline
// measured in the same run on the same machine; absolute times on shared machines are noise.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/wan.js');
const { startSandbox } = await import(path.join(ROOT, 'dist/sandbox/index.js'));
const { Crc64 } = await import(path.join(ROOT, 'dist/api/crc64.js'));
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

async function median(cmd, args, env) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await exec(cmd, args, env);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function row(figure, value, baseline, target, lowerIsBetter = true) {
  const ratio = value / baseline;
  const pass = lowerIsBetter ? ratio <= target : ratio >= target;
  rows.push({ figure, value: value.toFixed(1), baseline: baseline.toFixed(1), ratio: ratio.toFixed(2), target: `${lowerIsBetter ? '≤' : '≥'} ${target}`, result: pass ? 'pass' : 'FAIL' });
}

// 1. Start-up
const node0 = await median(process.execPath, ['-e', '0']);
row('wan --version (ms)', await median(process.execPath, [BIN, '--version']), node0, 1.2);
row('wan --help (ms)', await median(process.execPath, [BIN, '--help']), node0, 1.2);
row('wan models --json (ms)', await median(process.execPath, [BIN, 'models', '--json']), node0, 1.5);

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
  fs.writeFileSync(minimal, `import { request } from ${JSON.stringify(path.join(ROOT, 'node_modules/undici/index.js'))};\nconst r = await request(process.argv[2], { headers: { authorization: 'Bearer sk-bench' } });\nprocess.stdout.write(await r.body.text());\n`),
);
const env = { DASHSCOPE_HTTP_BASE_URL: sandbox.baseUrl, DASHSCOPE_API_KEY: 'sk-bench', HOME: tmp };
row('wan status <id> (ms)', await median(process.execPath, [BIN, 'status', id, '--json'], env), await median(process.execPath, [minimal, `${sandbox.baseUrl}/tasks/${id}`]), 1.5);

// 3. Download throughput and memory: a big file served with OSS's headers on loopback
async function bigFile(mib) {
  const file = path.join(tmp, `big-${mib}.mp4`);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom')]).copy(chunk);
  const crc = new Crc64();
  for (let i = 0; i < mib; i++) {
    writeSync(fd, chunk);
    crc.update(chunk);
    if (i === 0) chunk.fill(7, 0, 12);
  }
  closeSync(fd);
  return { file, crc: crc.digest(), size: statSync(file).size };
}
function serve(big) {
  const server = http.createServer((req, res) => {
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-type': 'video/mp4',
      'content-length': big.size - start,
      etag: '"BENCH"',
      'x-oss-hash-crc64ecma': big.crc,
      ...(m ? { 'content-range': `bytes ${start}-${big.size - 1}/${big.size}` } : {}),
    });
    createReadStream(big.file, { start, highWaterMark: 1 << 20 }).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
for (const mib of [100, BIG]) {
  const big = await bigFile(mib);
  const server = await serve(big);
  const url = `http://127.0.0.1:${server.address().port}/bench/${mib}.mp4`;
  const out = path.join(tmp, 'out.mp4');
  const curl = [];
  const wan = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    rmSync(out, { force: true });
    curl.push((await exec('curl', ['-s', '-o', out, url])).ms);
    rmSync(out, { force: true });
    const r = await exec('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'download', url, '-o', out, '--no-sidecar', '--force'], env);
    if (r.code !== 0) throw new Error(r.stderr);
    wan.push(r.ms);
    rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)) / 1024);
  }
  curl.sort((a, b) => a - b);
  wan.sort((a, b) => a - b);
  if (mib === BIG) row(`download ${mib} MiB throughput (MiB/s), vs curl -o`, (mib * 1000) / wan[1], (mib * 1000) / curl[1], 0.9, false);
  rows.push({ figure: `peak RSS, download ${mib} MiB (MB)`, value: rss.toFixed(0), baseline: '–', ratio: '–', target: '≤ 100', result: rss <= 100 ? 'pass' : 'FAIL' });
  server.close();
  rmSync(big.file, { force: true });
  rmSync(out, { force: true });
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
  rows.push({ figure: 'sandbox queries per second', value: rps.toFixed(0), baseline: '–', ratio: '–', target: '≥ 1000', result: rps >= 1000 ? 'pass' : 'FAIL' });
}
await sandbox.close();
rmSync(tmp, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
process.stdout.write(`wan bench — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${RUNS} runs (medians)\n\n`);
const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
const widths = header.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line(header.map((h) => r[h]))).join('\n')}\n`);
