import { randomBytes } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeDirectory } from '../api/make-dir.js';

/** One line's outcome in `wan-batch-report.json`. */
export interface ReportLine {
  line: number;
  prompt: string;
  key: string;
  task_id: string | null;
  /** The task's last known status, or `NOT_CREATED` when the line has no task. */
  status: string;
  /** Absolute path of the saved video. */
  file: string | null;
  bytes: number | null;
  sha256: string | null;
  /** Why the line has no video; `exit_code` is what `wan` would exit with for it alone. */
  error: { code: string; message: string; exit_code: number } | null;
}

/** The batch report: written at the end of every run (interrupted ones too), the lines in file order. */
export interface BatchReport {
  /** The batch file's absolute path, or `stdin`. */
  file: string;
  started_at: string;
  finished_at: string;
  lines: ReportLine[];
}

/**
 * Where a run's report goes without --report: in the output directory, named after the batch file
 * and when the run started (`shots-20261207-011530.report.json`), so each run keeps its own.
 */
export async function reportPath(outputDir: string, source: string, startedAt: number): Promise<string> {
  const base = source === 'stdin' ? 'stdin' : path.basename(source).replace(/\.[^.]*$/, '');
  const stamp = new Date(startedAt).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  for (let n = 1; ; n++) {
    const file = path.join(outputDir, `${base}-${stamp}${n > 1 ? `-${n}` : ''}.report.json`);
    if (!(await exists(file))) return file;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Written to a temporary name and renamed, so a reader never sees half a report. */
export async function writeReport(file: string, report: BatchReport): Promise<void> {
  await makeDirectory(path.dirname(file));
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, file);
}
