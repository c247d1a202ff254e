import type { TaskEntry } from '../journal/fold.js';
import { EXIT } from '../output/exit-codes.js';
import { classifyError } from '../output/report-error.js';
import type { PlannedLine } from './plan.js';
import type { ReportLine } from './report.js';
import type { LineStart } from './resume.js';

/** Everything the batch knows about one line while it runs. */
export interface LineState {
  plan: PlannedLine;
  start: LineStart;
  /** The task's last known status; `NOT_CREATED` while the line has no task. */
  status: string;
  taskId?: string;
  /** The journal entry of the task, for status and download records. */
  entry?: TaskEntry;
  /** Client time at or before the task's submission (for the list window), ms. */
  since?: number;
  /** Client time this run's create of the task was answered, ms: when its clock started (else `since` stands in). */
  createdAt?: number;
  saved?: { file: string; bytes: number; sha256: string };
  error?: unknown;
  /** Requeued after a 429 this many times. */
  throttled: number;
  finished: boolean;
}

export interface LineOutcome {
  report: ReportLine;
  exitCode: number;
}

/**
 * The report's line and exit code for each line. A line still unfinished was cut short: by Ctrl-C
 * (exit 130, with how to resume), or by an error that stopped the whole batch (its code).
 */
export function lineOutcomes(states: LineState[], run: { interrupted: boolean; fatal?: unknown }): LineOutcome[] {
  return states.map((s) => {
    let report: { code: string; message: string; exitCode: number } | undefined;
    if (s.error !== undefined) report = classifyError(s.error);
    else if (!s.finished && run.fatal !== undefined && !run.interrupted) report = classifyError(run.fatal);
    else if (!s.finished) {
      const message = s.taskId
        ? `interrupted while task ${s.taskId} was ${s.status}; it keeps running: run the same batch again to save its video`
        : 'interrupted before this line was sent; run the same batch again to send it';
      report = { code: 'interrupted', message, exitCode: EXIT.INTERRUPTED };
    }
    return {
      exitCode: report?.exitCode ?? EXIT.OK,
      report: {
        line: s.plan.line,
        prompt: s.plan.prompt,
        key: s.plan.key,
        task_id: s.taskId ?? null,
        status: s.status,
        file: s.saved?.file ?? null,
        bytes: s.saved?.bytes ?? null,
        sha256: s.saved?.sha256 ?? null,
        error: report ? { code: report.code, message: report.message, exit_code: report.exitCode } : null,
      },
    };
  });
}
