import path from 'node:path';
import { MissingKeyError } from '../api/errors/missing-key-error.js';
import { UsageError } from '../api/errors/usage-error.js';
import { confirm } from '../batch/confirm.js';
import { type BatchSpend, lineCost, priceBatch } from '../batch/cost.js';
import { formatLineError, type LineError, parseBatch } from '../batch/input.js';
import type { LineState } from '../batch/line-state.js';
import { type PlannedLine, planBatch } from '../batch/plan.js';
import { readBatchInput } from '../batch/read-input.js';
import { type BatchReport, reportPath, writeReport } from '../batch/report.js';
import { type LineStart, resumeStates } from '../batch/resume.js';
import { BatchRunner } from '../batch/runner.js';
import { Scheduler, SharedBackoff } from '../batch/scheduler.js';
import { batchView } from '../batch/view.js';
import { worstExit } from '../output/exit-codes.js';
import { formatMoney } from '../output/format.js';
import { reportOutcomes } from '../output/github-actions.js';
import { Ui } from '../output/ui.js';
import { checkTarget } from '../tasks/output-target.js';
import type { BatchFlags } from './batch.js';
import type { CommandContext } from './context.js';
import { describeRequest } from './create.js';
import { checkSizeFlag, configFlagsOf, optionsFromFlags } from './create-options.js';

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

export async function runBatch(ctx: CommandContext, file: string, flags: BatchFlags): Promise<number> {
  checkSizeFlag(flags.size, ctx.io.cwd);
  const input = await readBatchInput(file, ctx.io);
  const parsed = parseBatch(input.text);
  // The first config() call fixes the flags for the whole command.
  const config = await ctx.config({
    ...configFlagsOf(flags),
    timeout: flags.timeout,
    pollInterval: flags.interval,
    outputDir: flags.outputDir,
  });
  const client = await ctx.client();
  const outputDir = config.values.outputDir ?? ctx.io.cwd;
  const { prompt: _prompt, ...defaults } = optionsFromFlags(undefined, flags, config);
  const plan = await planBatch({
    entries: parsed.entries,
    source: input.source,
    baseDir: input.baseDir,
    outputDir,
    defaults,
    region: client.region,
    cwd: ctx.io.cwd,
  });
  // Every line is checked (its JSON, then against the catalogue) before any is sent.
  const errors = [...parsed.errors, ...plan.errors].sort((a, b) => a.line - b.line);
  if (errors.length > 0) throw invalidBatch(file, errors);
  for (const [warning, lines] of plan.warnings) ctx.ui.warn(`${warning} (${lineList(lines)})`);

  const journal = await ctx.journal();
  const starts = await resumeStates(plan.lines, await journal.entries(), Boolean(flags.force));
  const conflicts = plan.lines.flatMap((l) => {
    const start = starts.get(l.line);
    return start?.kind === 'conflict'
      ? [
          {
            line: l.line,
            field: 'key',
            message: `"${l.key}" was used on ${start.entry.intent.at} for another request; give this line a new key`,
          },
        ]
      : [];
  });
  if (conflicts.length > 0) throw invalidBatch(file, conflicts);
  const spend = priceBatch(plan.lines, starts);
  checkMaxCost(spend, config.values.maxCost);
  if (flags.dryRun) return printDryRun(ctx, input.source, plan.lines, starts, spend);

  // Found missing now rather than by the first create, with an intent already in the journal.
  if (!config.apiKey && !ctx.flags.sandbox && spend.toCreate + spend.resumed > 0) throw new MissingKeyError();
  // Every line's file can be written before any line is paid for (missing directories are created).
  for (const line of plan.lines) {
    if (starts.get(line.line)?.kind === 'done') continue;
    await checkTarget({ kind: 'file', file: line.file }, { force: true, flag: '--output-dir' });
  }
  ctx.ui.info(describeSpend(spend, plan.lines.length));
  if (spend.toCreate > 0 && !flags.yes && ctx.io.stdin.isTTY && ctx.io.stderr.isTTY) {
    if (input.source === 'stdin')
      throw new UsageError('the batch was typed on the terminal, so it cannot be confirmed there; pass --yes', '--yes');
    const cost = spend.currency ? ` for about ${formatMoney(spend.amount, spend.currency)}` : '';
    if (!(await confirm(ctx.io, `create ${spend.toCreate} video${spend.toCreate === 1 ? '' : 's'}${cost}?`))) {
      throw new UsageError('not confirmed; nothing was sent');
    }
  }
  await checkTarget({ kind: 'dir', dir: outputDir });
  const startedAt = ctx.clock.now();
  const reportFile =
    flags.report !== undefined
      ? path.resolve(ctx.io.cwd, flags.report)
      : await reportPath(outputDir, input.source, startedAt);

  const backoff = new SharedBackoff();
  const lanes = new Map<string, Scheduler>();
  for (const { request } of plan.lines) {
    const { id, rateLimit } = request.model;
    if (!lanes.has(id)) {
      const rate = flags.rate ?? rateLimit.submitPerSecond;
      lanes.set(
        id,
        new Scheduler({
          rate,
          headroom: SUBMIT_HEADROOM,
          slidingWindow: true,
          concurrency: flags.concurrency ?? rateLimit.concurrent,
          clock: ctx.clock,
          backoff,
        }),
      );
    }
  }
  const models = new Set(plan.lines.map((l) => l.request.body.model));
  const states: LineState[] = plan.lines.map((p) => ({
    plan: p,
    start: starts.get(p.line)!,
    status: 'NOT_CREATED',
    throttled: 0,
    finished: false,
  }));
  const view = await batchView(ctx.ui, states.length, () => ctx.clock.now());
  const runner = new BatchRunner(
    {
      // The batch's view says what happens to each line: the job itself speaks only of warnings.
      job: await ctx.job(new Ui(ctx.io, { ...ctx.ui.options, quiet: true })),
      view,
      source: input.source,
      interval: config.values.pollInterval,
      timeout: config.values.timeout,
      force: Boolean(flags.force),
      sidecar: flags.sidecar !== false,
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
  await reportOutcomes(
    ctx.io,
    report.lines.map((l) => ({
      taskId: l.task_id ?? `line ${l.line}`,
      line: l.line,
      ...(l.file ? { file: l.file, sha256: l.sha256 ?? '', bytes: l.bytes ?? 0 } : {}),
      ...(l.error ? { error: { code: l.error.code, message: l.error.message } } : {}),
    })),
    { report: reportFile },
  );
  const elapsed = (ctx.clock.now() - startedAt) / 1000;
  ctx.ui.debug(
    `${runner.queryCount} queries in ${elapsed.toFixed(1)} s (${(runner.queryCount / Math.max(elapsed, 1)).toFixed(2)}/s), ${backoff.hits} throttled`,
  );
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
  if (spend.unpriced > 0)
    throw new UsageError(
      `no price is known for ${spend.unpriced} of the lines, so the total cannot be checked`,
      '--max-cost',
    );
  if (spend.amount > maxCost) {
    const currency = spend.currency ?? 'CNY';
    throw new UsageError(
      `the batch's estimated cost ${formatMoney(spend.amount, currency)} is above ${formatMoney(maxCost, currency)}; nothing was sent`,
      '--max-cost',
    );
  }
}

/** `batch: 30 lines: 28 to create (about 3.92 CNY, prices of 2026-10-01), 2 running from an earlier run` */
function describeSpend(spend: BatchSpend, total: number): string {
  const parts = [
    `${spend.toCreate} to create${spend.currency ? ` (about ${formatMoney(spend.amount, spend.currency)}, prices of ${spend.priceDate})` : ''}`,
  ];
  if (spend.unpriced > 0) parts.push(`${spend.unpriced} with no known price`);
  if (spend.resumed > 0) parts.push(`${spend.resumed} running from an earlier run`);
  if (spend.done > 0) parts.push(`${spend.done} already saved`);
  if (spend.blocked > 0) parts.push(`${spend.blocked} whose file is in the way`);
  return `batch: ${total} line${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

const ACTION: Record<LineStart['kind'], string> = {
  new: 'create',
  orphan: 'check, else create',
  adopt: 'resume',
  done: 'saved',
  exists: 'file exists',
  conflict: 'key used for another request',
};

function printDryRun(
  ctx: CommandContext,
  source: string,
  lines: PlannedLine[],
  starts: Map<number, LineStart>,
  spend: BatchSpend,
): number {
  const rows = lines.map((l) => ({
    line: l,
    action: ACTION[starts.get(l.line)?.kind ?? 'new'],
    cost: lineCost(l),
  }));
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
      estimated_cost: spend.currency
        ? { amount: spend.amount, currency: spend.currency, price_date: spend.priceDate }
        : null,
    });
    return 0;
  }
  for (const { line: l, action: what, cost } of rows)
    ctx.ui.result(`line ${l.line}: ${what}: ${describeRequest(l.request, cost)} → ${l.file}`);
  ctx.ui.info(ctx.ui.err.dim(`dry run: nothing was sent. ${describeSpend(spend, lines.length)}`));
  return 0;
}

function printSummary(
  ctx: CommandContext,
  report: BatchReport,
  reportFile: string,
  resumeFile: string | undefined,
): void {
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
    ctx.io.stderr.write(
      `${JSON.stringify({ error: { code: 'interrupted', message: `interrupted: ${message}`, request_id: null, task_id: null, exit_code: 130, hint } })}\n`,
    );
  } else {
    ctx.io.stderr.write(`${ctx.ui.err.yellow('interrupted:')} ${message}\n${ctx.ui.err.dim('hint:')} ${hint}\n`);
  }
}
