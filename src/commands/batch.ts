import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MissingKeyError } from '../api/errors/missing-key-error.js';
import { RATIOS, TIERS } from '../api/sizes.js';
import type { Region } from '../api/regions.js';
import { formatLineError, parseBatch, type LineError } from '../batch/input.js';
import { planBatch, type PlannedLine } from '../batch/plan.js';
import { readBatchInput } from '../batch/read-input.js';
import { resumeStates, type LineStart } from '../batch/resume.js';
import { lineCost, priceBatch, type BatchSpend } from '../batch/cost.js';
import { confirm } from '../batch/confirm.js';
import { BatchRunner } from '../batch/runner.js';
import type { LineState } from '../batch/line-state.js';
import { Scheduler, SharedBackoff } from '../batch/scheduler.js';
import { batchView } from '../batch/view.js';
import { REPORT_FILE, writeReport, type BatchReport } from '../batch/report.js';
import { worstExit } from '../output/exit-codes.js';
import { gitHubSummaryHeader, onGitHubActions, reportToGitHub } from '../output/github-actions.js';
import { formatMoney } from '../output/format.js';
import { action, type App, type CommandContext } from './context.js';
import { configFlagsOf, createOptionsOf, type CreateFlags } from './create-options.js';
import { examples } from './help-text.js';
import { UsageError } from './usage-error.js';

export interface BatchFlags extends Omit<CreateFlags, 'promptFile' | 'idempotencyKey' | 'new'> {
  outputDir?: string;
  concurrency?: number;
  rate?: number;
  timeout?: string;
  interval?: string;
  force?: boolean;
  sidecar?: boolean;
  report?: string;
  yes?: boolean;
}

/**
 * Queries (lists and task queries) per second, at most: a quarter of the account's 20 (§6.1), so
 * other `wan` processes and the console have room. A batch needs about one list per interval.
 */
const QUERY_RATE = 5;
/**
 * Submissions are paced 10 % under --rate: the service counts them in a sliding second, and
 * jitter (the network, the journal's fsync before each POST) would otherwise sometimes put one
 * too many into a second. A 429 is safe (nothing is created, the client waits Retry-After) but
 * costs a second.
 */
const SUBMIT_HEADROOM = 0.1;

export function batchCommand(app: App): Command {
  const command = new Command('batch')
    .description('make a video for every line of a file (JSON Lines or one prompt per line): paced to the limits, resumable, never paid twice')
    .argument('<file>', 'the batch file, or - for stdin')
    .option('-m, --model <id>', 'model for lines that name none (see wan models)')
    .option('-s, --size <W*H>', 'video size for lines that name none, e.g. 832*480')
    .addOption(new Option('--resolution <tier>', 'resolution tier').choices([...TIERS]))
    .addOption(new Option('--ratio <ratio>', 'aspect ratio').choices([...RATIOS]))
    .option('-d, --duration <seconds>', 'video length in seconds (see wan models)')
    .option('-n, --negative-prompt <text>', 'what the videos should not contain')
    .option('--audio-url <url>', 'http(s):// or oss:// wav/mp3 every video is synced to (wan2.5+)')
    .option('--audio <file>', 'a local wav/mp3 every video is synced to: uploaded for you (wan2.5+)')
    .option('--seed <n>', 'random seed, 0–2147483647')
    .option('--prompt-extend', 'let the service rewrite the prompts (service default: on)')
    .option('--no-prompt-extend', 'send the prompts as written')
    .option('--watermark', 'add the "AI生成" mark (service default: off)')
    .option('--no-watermark', 'no watermark')
    .addOption(new Option('--shot-type <type>', 'single or multi shot (wan2.6-t2v)').choices(['single', 'multi']))
    .option('--output-dir <dir>', 'where the videos go (created if missing; default: config outputDir or .)')
    .option('--concurrency <n>', "tasks in flight at once (default: the model's limit, wan models --json)", whole('--concurrency', 1, 1000))
    .option('--rate <n>', "task submissions per second, paced 10% under (default: the model's limit)", positive('--rate', 100))
    .option('--timeout <duration>', 'give up on a task after this long, e.g. 90s, 10m, 1h (default 30m, config timeout)')
    .option('--interval <duration>', 'time between polls of the task list, at least 1s (default 5s, config pollInterval)')
    .option('--force', 'overwrite existing files')
    .option('--no-sidecar', 'do not write <file>.json provenance records')
    .option('--report <file>', `where the JSON report goes (default <output-dir>/${REPORT_FILE})`)
    .option('--max-cost <CNY>', 'refuse the batch if its estimated total is above this (config maxCost)')
    .option('-y, --yes', 'do not ask before spending (asked only on a terminal)')
    .option('--dry-run', 'check every line, price the batch and show what would be created; send nothing')
    .addHelpText(
      'after',
      examples(
        'wan batch prompts.txt -m wan2.2-t2v-plus -s 832*480 --output-dir videos/',
        'wan batch shots.jsonl --max-cost 20 --yes',
        'wan batch shots.jsonl --dry-run',
        'generate-prompts | wan batch - --output-dir out/ --json | jq .lines[].file',
      ) +
        '\nA .jsonl line is {"prompt": …} plus any create option in camelCase (model,\n' +
        'size, duration, negativePrompt, seed, audio, …), "output" (a file name under\n' +
        '--output-dir) and "key" (an idempotency key). Run the same batch again to\n' +
        'resume it: saved lines are skipped, running tasks are waited for, and no line\n' +
        'is ever created twice.\n',
    );
  return command.action(action(app, runBatch));
}

export async function runBatch(ctx: CommandContext, file: string, flags: BatchFlags): Promise<number> {
  if (flags.audio !== undefined && flags.audioUrl !== undefined) throw new UsageError('give --audio or --audio-url, not both', '--audio');
  const input = await readBatchInput(file, ctx.io);
  const parsed = parseBatch(input.text);
  // The first config() call fixes the flags for the whole command.
  const config = await ctx.config({ ...configFlagsOf(flags), timeout: flags.timeout, pollInterval: flags.interval, outputDir: flags.outputDir });
  const client = await ctx.client();
  const outputDir = config.values.outputDir ?? ctx.io.cwd;
  const { prompt: _prompt, ...defaults } = createOptionsOf('', flags, config);
  const plan = await planBatch({
    entries: parsed.entries,
    source: input.source,
    baseDir: input.baseDir,
    outputDir,
    defaults,
    ...(flags.audio !== undefined ? { defaultAudio: path.resolve(ctx.io.cwd, flags.audio) } : {}),
    prepare: (options) => client.prepareCreate(options),
  });
  // Every line is checked (its JSON, then against the catalogue) before any is sent.
  const errors = [...parsed.errors, ...plan.errors].sort((a, b) => a.line - b.line);
  if (errors.length > 0) throw invalidBatch(file, errors);
  for (const [warning, lines] of plan.warnings) ctx.ui.warn(`${warning} (${lineList(lines)})`);

  const starts = await resumeStates(plan.lines, await ctx.journal().entries(), Boolean(flags.force));
  const spend = priceBatch(plan.lines, starts, client.region);
  checkMaxCost(spend, config.values.maxCost);
  if (flags.dryRun) return printDryRun(ctx, input.source, plan.lines, starts, spend, client.region);

  // Found missing now rather than by the first create, with an intent already in the journal.
  if (!config.apiKey && !ctx.flags.sandbox && spend.toCreate + spend.resumed > 0) throw new MissingKeyError();
  ctx.ui.info(describeSpend(spend, plan.lines.length));
  if (spend.toCreate > 0 && !flags.yes && ctx.io.stdin.isTTY && ctx.io.stderr.isTTY) {
    if (input.source === 'stdin') throw new UsageError('the batch was typed on the terminal, so it cannot be confirmed there; pass --yes', '--yes');
    const cost = spend.currency ? ` for about ${formatMoney(spend.amount, spend.currency)}` : '';
    if (!(await confirm(ctx.io, `create ${spend.toCreate} video${spend.toCreate === 1 ? '' : 's'}${cost}?`))) {
      throw new UsageError('not confirmed; nothing was sent');
    }
  }
  await mkdir(outputDir, { recursive: true }).catch((err: Error) => {
    throw new UsageError(`cannot create ${outputDir}: ${err.message}`, '--output-dir');
  });
  const reportFile = flags.report !== undefined ? path.resolve(ctx.io.cwd, flags.report) : path.join(outputDir, REPORT_FILE);

  const backoff = new SharedBackoff();
  const lanes = new Map<string, Scheduler>();
  for (const { request } of plan.lines) {
    const { id, rateLimit } = request.model;
    if (!lanes.has(id)) {
      const rate = flags.rate ?? rateLimit.submitPerSecond;
      lanes.set(id, new Scheduler({ rate, headroom: SUBMIT_HEADROOM, concurrency: flags.concurrency ?? rateLimit.concurrent, clock: ctx.clock, backoff }));
    }
  }
  const models = new Set(plan.lines.map((l) => l.request.body.model));
  const states: LineState[] = plan.lines.map((p) => ({ plan: p, start: starts.get(p.line)!, status: 'NOT_CREATED', throttled: 0, finished: false }));
  const startedAt = ctx.clock.now();
  const view = await batchView(ctx.ui, states.length, () => ctx.clock.now());
  const runner = new BatchRunner(
    {
      ctx,
      client,
      view,
      source: input.source,
      interval: config.values.pollInterval,
      timeout: config.values.timeout,
      force: Boolean(flags.force),
      sidecar: flags.sidecar !== false,
      region: config.values.region,
      lanes,
      queries: new Scheduler({ rate: QUERY_RATE, burst: QUERY_RATE, concurrency: Infinity, clock: ctx.clock, backoff }),
      ...(models.size === 1 ? { listModel: [...models][0]! } : {}),
    },
    states,
  );
  try {
    await runner.run();
  } finally {
    view.stop();
  }

  const outcomes = runner.outcomes();
  const report: BatchReport = {
    file: input.source,
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(ctx.clock.now()).toISOString(),
    lines: outcomes.map((o) => o.report),
  };
  await writeReport(reportFile, report);
  await reportBatchToGitHub(ctx, report, reportFile);
  const elapsed = (ctx.clock.now() - startedAt) / 1000;
  ctx.ui.debug(`${runner.queryCount} queries in ${elapsed.toFixed(1)} s (${(runner.queryCount / Math.max(elapsed, 1)).toFixed(2)}/s), ${backoff.hits} throttled`);
  printSummary(ctx, report, reportFile, runner.interrupted ? file : undefined);
  if (ctx.ui.json) ctx.ui.resultJson(report);
  else ctx.ui.result(reportFile);
  return worstExit(outcomes.map((o) => o.exitCode));
}

function invalidBatch(file: string, errors: LineError[]): UsageError {
  const shown = errors.slice(0, 5).map(formatLineError).join('; ');
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : '';
  return new UsageError(`${file === '-' ? 'stdin' : file}: ${shown}${more}; nothing was sent`);
}

function lineList(lines: number[]): string {
  const shown = lines.slice(0, 8).join(', ');
  return `line${lines.length === 1 ? '' : 's'} ${shown}${lines.length > 8 ? `, … (${lines.length})` : ''}`;
}

function checkMaxCost(spend: BatchSpend, maxCost: number | undefined): void {
  if (maxCost === undefined || spend.toCreate === 0) return;
  if (spend.unpriced > 0) throw new UsageError(`no price is known for ${spend.unpriced} of the lines, so the total cannot be checked`, '--max-cost');
  if (spend.amount > maxCost) {
    const currency = spend.currency ?? 'CNY';
    throw new UsageError(`the batch's estimated cost ${formatMoney(spend.amount, currency)} is above ${formatMoney(maxCost, currency)}; nothing was sent`, '--max-cost');
  }
}

/** `batch: 30 lines: 28 to create (about 3.92 CNY, prices of 2026-10-01), 2 running from an earlier run` */
function describeSpend(spend: BatchSpend, total: number): string {
  const parts = [`${spend.toCreate} to create${spend.currency ? ` (about ${formatMoney(spend.amount, spend.currency)}, prices of ${spend.priceDate})` : ''}`];
  if (spend.unpriced > 0) parts.push(`${spend.unpriced} with no known price`);
  if (spend.resumed > 0) parts.push(`${spend.resumed} running from an earlier run`);
  if (spend.done > 0) parts.push(`${spend.done} already saved`);
  if (spend.blocked > 0) parts.push(`${spend.blocked} whose file is in the way`);
  return `batch: ${total} line${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

const ACTION: Record<LineStart['kind'], string> = { new: 'create', orphan: 'check, else create', adopt: 'resume', done: 'saved', exists: 'file exists' };

function printDryRun(ctx: CommandContext, source: string, lines: PlannedLine[], starts: Map<number, LineStart>, spend: BatchSpend, region: Region): number {
  const rows = lines.map((l) => ({ line: l, action: ACTION[starts.get(l.line)?.kind ?? 'new'], cost: lineCost(l, region) }));
  if (ctx.ui.json) {
    ctx.ui.resultJson({
      dry_run: true,
      file: source,
      lines: rows.map(({ line: l, action: what, cost }) => ({
        line: l.line,
        prompt: l.prompt,
        key: l.key,
        action: what,
        file: l.file,
        body: l.request.body,
        estimated_cost: cost ?? null,
      })),
      to_create: spend.toCreate,
      estimated_cost: spend.currency ? { amount: spend.amount, currency: spend.currency, price_date: spend.priceDate } : null,
    });
    return 0;
  }
  for (const { line: l, action: what, cost } of rows) {
    const r = l.request;
    const price = cost ? `, about ${formatMoney(cost.amount, cost.currency)}` : '';
    ctx.ui.result(`line ${l.line}: ${what}: ${r.body.model}, ${r.size} (${r.tier}), ${r.duration}s${price} → ${l.file}`);
  }
  ctx.ui.info(ctx.ui.err.dim(`dry run: nothing was sent. ${describeSpend(spend, lines.length)}`));
  return 0;
}

function printSummary(ctx: CommandContext, report: BatchReport, reportFile: string, resumeFile: string | undefined): void {
  const saved = report.lines.filter((l) => l.file !== null).length;
  const failed = report.lines.filter((l) => l.error !== null && l.error.code !== 'interrupted');
  const running = report.lines.filter((l) => l.error?.code === 'interrupted' && l.task_id !== null).length;
  const failedText = failed.length > 0 ? `, ${failed.length} failed (${lineList(failed.map((l) => l.line))})` : '';
  ctx.ui.info(`batch: ${saved} of ${report.lines.length} videos saved${failedText}; report ${reportFile}`);
  if (resumeFile === undefined) return;
  const shown = /^[\w./@%+=:,-]+$/.test(resumeFile) ? resumeFile : `'${resumeFile.replace(/'/g, `'\\''`)}'`;
  const again = resumeFile === '-' ? 'run the same batch again on stdin' : `wan batch ${shown}`;
  const message = `${running} task${running === 1 ? '' : 's'} keep${running === 1 ? 's' : ''} running (paid for); nothing more was submitted`;
  const hint = `resume with: ${again} (same options); saved lines are skipped and no task is created twice`;
  if (ctx.ui.json) {
    ctx.io.stderr.write(`${JSON.stringify({ error: { code: 'interrupted', message: `interrupted: ${message}`, request_id: null, task_id: null, exit_code: 130, hint } })}\n`);
  } else {
    ctx.io.stderr.write(`${ctx.ui.err.yellow('interrupted:')} ${message}\n${ctx.ui.err.dim('hint:')} ${hint}\n`);
  }
}

/** Step summary rows and error annotations per line; the report's path as the step output `report`. */
async function reportBatchToGitHub(ctx: CommandContext, report: BatchReport, reportFile: string): Promise<void> {
  if (!onGitHubActions(ctx.io)) return;
  await gitHubSummaryHeader(ctx.io);
  // Per-line rows and annotations only: a batch's step outputs are its report, not 30 task ids.
  const io = { ...ctx.io, env: { ...ctx.io.env, GITHUB_OUTPUT: undefined } };
  for (const l of report.lines) {
    const taskId = l.task_id ?? `line ${l.line}`;
    if (l.error) await reportToGitHub(io, { taskId, error: { code: l.error.code, message: `line ${l.line}: ${l.error.message}` } });
    else await reportToGitHub(io, { taskId, file: l.file ?? '', sha256: l.sha256 ?? '', bytes: l.bytes ?? 0 });
  }
  if (ctx.io.env.GITHUB_OUTPUT) await appendFile(ctx.io.env.GITHUB_OUTPUT, `report=${reportFile}\n`);
}

function whole(flag: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}; got "${value}"`);
    return Number(value);
  };
}

function positive(flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value.trim());
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > max) throw new InvalidArgumentError(`${flag} takes a number above 0 and at most ${max}; got "${value}"`);
    return n;
  };
}
