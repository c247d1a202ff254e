import type { Ui } from '../output/ui.js';

/** The shape of `wan doctor`'s report and how one line of it is printed. */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of the report; `--json` prints an array of these. */
export interface CheckResult {
  check: string;
  /** False for a failure, and for a check that could not run because of one. */
  ok: boolean;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when there is nothing to do. */
  fix: string | null;
}

/** A result; `ok` is false for a failure and for a check a failure kept from running. */
export function result(check: string, status: CheckStatus, detail: string, fix: string | null = null): CheckResult {
  return { check, ok: status === 'pass' || status === 'warn', status, detail, fix };
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };
const NAME_WIDTH = 13;

export function printResult(ui: Ui, r: CheckResult): void {
  if (ui.options.quiet && r.status === 'pass') return;
  const paint =
    r.status === 'pass'
      ? ui.out.green
      : r.status === 'warn'
        ? ui.out.yellow
        : r.status === 'fail'
          ? ui.out.red
          : ui.out.dim;
  ui.result(`${paint(MARKS[r.status])} ${r.check.padEnd(NAME_WIDTH)} ${r.detail}`);
  // A skipped check's fix only points at the failure above it: the JSON keeps it, the screen does not.
  if (r.fix && (r.status === 'fail' || r.status === 'warn'))
    ui.result(`  ${' '.repeat(NAME_WIDTH)} ${ui.out.dim('fix:')} ${r.fix}`);
}
