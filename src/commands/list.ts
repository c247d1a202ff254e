import { Command } from 'commander';
import { findModel } from '../api/catalogue.js';
import { UsageError } from '../api/errors/usage-error.js';
import { listAll } from '../api/list-pager.js';
import { type ListedTask, numeric, text } from '../api/schemas.js';
import { TERMINAL_STATUSES } from '../api/task-status.js';
import { parseDuration } from '../config/duration.js';
import type { TaskEntry } from '../journal/index.js';
import { formatTime } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

interface ListFlags {
  status?: string;
  model?: string;
  since?: string;
  until?: string;
  page?: string;
  pageSize?: string;
  all?: boolean;
  local?: boolean;
}

/** The service keeps tasks 24 hours, and a list window may not span more (dashscope-api.md §1.2). */
const WINDOW_MS = 24 * 3600_000;
/** `--all` stops here: 100 pages of 100 is far more than 24 hours of any account's limits allow. */
const MAX_PAGES = 100;
const STATUSES = ['PENDING', 'RUNNING', ...TERMINAL_STATUSES];

export function listCommand(app: App): Command {
  return new Command('list')
    .option('--status <status>', `only tasks in this state (${STATUSES.join(', ')})`)
    .option('-m, --model <id>', 'only tasks of this model')
    .option(
      '--since <when>',
      'start of the window: a duration ago (2h) or a time (2026-11-24T08:00:00Z); default 24h ago',
    )
    .option('--until <when>', 'end of the window (default now)')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'tasks per page (1–100)', '10')
    .option('--all', 'every page')
    .option(
      '--local',
      'only the local journal: every task wan created here, including ones the service no longer keeps',
    )
    .addHelpText(
      'after',
      examples(
        'wan list',
        'wan list --status RUNNING --all --json',
        'wan list --since 2h -m wan2.2-t2v-plus',
        'wan list --local',
      ),
    )
    .action(action(app, runList));
}

export async function runList(ctx: CommandContext, flags: ListFlags): Promise<number> {
  const status = flags.status?.toUpperCase();
  if (status !== undefined && !STATUSES.includes(status))
    throw new UsageError(`"${flags.status}" is not a task state; allowed: ${STATUSES.join(', ')}`, '--status');
  const page = whole(flags.page ?? '1', '--page', 1, 1_000_000);
  const pageSize = whole(flags.pageSize ?? '10', '--page-size', 1, 100);
  const now = ctx.clock.now();
  const until = flags.until ? when(flags.until, now, '--until') : now;
  const since = flags.since ? when(flags.since, now, '--since') : until - WINDOW_MS;
  if (since >= until) throw new UsageError('--since must be before --until', '--since');
  if (until - since > WINDOW_MS)
    throw new UsageError('the service lists at most 24 hours at a time (and keeps tasks 24 hours)', '--since');

  const journal = await (await ctx.journal()).entries();
  if (flags.local)
    return printLocal(
      ctx,
      journal.filter((e) => (!status || e.status === status) && (!flags.model || e.intent.model === flags.model)),
    );

  const client = await ctx.client();
  // -m takes any of a model's ids: the list filters by the id the region knows it by.
  const model = flags.model ? (findModel(flags.model)?.ids[client.region] ?? flags.model) : undefined;
  const window = { startTime: since, endTime: until, ...(status ? { status } : {}), ...(model ? { model } : {}) };
  const { tasks, total } = await listAll(
    client,
    window,
    flags.all
      ? { signal: ctx.signal, maxPages: MAX_PAGES }
      : { signal: ctx.signal, maxPages: 1, pageSize, firstPage: page },
  );
  const byId = new Map(journal.filter((e) => e.taskId).map((e) => [e.taskId!, e]));
  const rows: Array<ListedTask & { prompt: string | null; file: string | null }> = tasks.map((t) => ({
    ...t,
    prompt: byId.get(t.task_id)?.intent.prompt ?? null,
    file: byId.get(t.task_id)?.download?.file ?? null,
  }));
  if (ctx.ui.json) {
    ctx.ui.resultJson(rows);
    return 0;
  }
  ctx.ui.result(
    renderTable(
      ['TASK ID', 'STATUS', 'MODEL', 'CREATED', 'PROMPT', 'FILE'],
      rows.map((r) => {
        const created = numeric(r.gmt_create);
        return [
          r.task_id,
          r.status,
          text(r.model_name) ?? '',
          created ? formatTime(created) : '',
          short(r.prompt),
          r.file ?? '',
        ];
      }),
      ctx.ui.out,
    ),
  );
  if (!flags.all && total !== undefined && total > tasks.length) {
    ctx.ui.info(`page ${page} of ${Math.ceil(total / pageSize)} (${total} tasks); --all lists every page`);
  }
  return 0;
}

function printLocal(ctx: CommandContext, entries: TaskEntry[]): number {
  if (ctx.ui.json) {
    ctx.ui.resultJson(
      entries.map((e) => ({
        task_id: e.taskId ?? null,
        status: e.status ?? (e.orphan ? 'ORPHAN' : e.createFailed ? 'CREATE_FAILED' : null),
        model: e.intent.model,
        created: e.intent.at,
        prompt: e.intent.prompt,
        idempotency_key: e.intent.idempotencyKey ?? null,
        file: e.download?.file ?? null,
        video_expires_at: e.videoExpiresAt ?? null,
      })),
    );
    return 0;
  }
  ctx.ui.result(
    renderTable(
      ['TASK ID', 'STATUS', 'MODEL', 'CREATED', 'PROMPT', 'FILE'],
      entries.map((e) => [
        e.taskId ?? '(none)',
        e.status ?? (e.orphan ? 'orphan?' : e.createFailed ? 'create failed' : ''),
        e.intent.model,
        formatTime(Date.parse(e.intent.at)),
        short(e.intent.prompt),
        e.download?.file ?? '',
      ]),
      ctx.ui.out,
    ),
  );
  return 0;
}

function short(text: string | null): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

function whole(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`expected a whole number from ${min} to ${max}, got "${value}"`, flag);
  return Number(value);
}

/** A duration ago (`2h`) or an absolute time. */
function when(value: string, now: number, flag: string): number {
  if (/^\d/.test(value) && !/[-:T]/.test(value)) return now - parseDuration(value, flag);
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new UsageError(`"${value}" is neither a duration (2h) nor a time (2026-11-24T08:00:00Z)`, flag);
  return t;
}
