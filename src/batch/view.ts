import type { SingleBar } from 'cli-progress';
import { formatDuration } from '../output/format.js';
import { REDRAWS_PER_SECOND, type Ui } from '../output/ui.js';

/**
 * What a batch shows on stderr while it runs. On a terminal: one cli-progress display, an overall
 * bar and a line per active task, with milestones logged above it. Off a terminal: one plain line
 * per event (`line 3: task <id> created`). Nothing but failures with --quiet, nothing with --json.
 */
export interface BatchView {
  /** A milestone of one line: created, a status change, saved. */
  event(line: number, text: string): void;
  /** A line ended without its video; shown even with --quiet. */
  failure(line: number, message: string): void;
  /** The live status of a line's task (TTY only); `undefined` removes it. */
  active(line: number, text: string | undefined, since?: number): void;
  /** Lines finished so far. */
  progress(counts: { saved: number; failed: number; running: number }): void;
  /** A message about the whole batch. */
  note(text: string): void;
  stop(): void;
}

/** More rows than this and the display would scroll; the overall bar still counts them. */
const MAX_ROWS = 8;

export async function batchView(ui: Ui, total: number, now: () => number): Promise<BatchView> {
  const failureLine = (line: number, message: string) => `line ${line}: ${ui.err.red('error:')} ${message}\n`;
  if (!ui.animate) {
    return {
      event: (line, text) => ui.info(`line ${line}: ${text}`),
      failure(line, message) {
        if (!ui.json) ui.io.stderr.write(failureLine(line, message));
      },
      active() {},
      progress() {},
      note: (text) => ui.info(text),
      stop() {},
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  const multi = new cliProgress.MultiBar(
    {
      stream: ui.io.stderr as NodeJS.WritableStream,
      format:
        'batch [{bar}] {value}/{total} | {saved} saved, {failed} failed, {running} running | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: REDRAWS_PER_SECOND,
    },
    cliProgress.Presets.shades_classic,
  );
  const overall = multi.create(total, 0, { saved: 0, failed: 0, running: 0 });
  const rows = new Map<number, { bar: SingleBar; text: string; since?: number }>();
  const label = (line: number, row: { text: string; since?: number }) =>
    `  line ${line}: ${row.text}${row.since !== undefined ? ` · ${formatDuration(now() - row.since)}` : ''}`;
  // Elapsed times move even when no status does.
  const timer = setInterval(() => {
    for (const [line, row] of rows) row.bar.update(0, { text: label(line, row) });
  }, 1000);
  timer.unref();
  let stopped = false;
  return {
    event: (line, text) => multi.log(`line ${line}: ${text}\n`),
    failure: (line, message) => multi.log(failureLine(line, message)),
    active(line, text, since) {
      const row = rows.get(line);
      if (text === undefined) {
        if (row) multi.remove(row.bar);
        rows.delete(line);
        return;
      }
      if (row) {
        row.text = text;
        row.since = since ?? row.since;
        row.bar.update(0, { text: label(line, row) });
      } else if (rows.size < MAX_ROWS) {
        const fresh = { text, since, bar: undefined as unknown as SingleBar };
        fresh.bar = multi.create(1, 0, { text: label(line, fresh) }, { format: '{text}' });
        rows.set(line, fresh);
      }
    },
    progress(counts) {
      overall.update(counts.saved + counts.failed, counts);
    },
    note: (text) => multi.log(`${text}\n`),
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const row of rows.values()) multi.remove(row.bar);
      rows.clear();
      // stop() does not write what log() buffered; one last update() does.
      multi.update();
      multi.stop();
    },
  };
}
