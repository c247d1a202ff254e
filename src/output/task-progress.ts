import type { TaskResponse } from '../api/schemas.js';
import { formatDuration, parseServerTime } from './format.js';
import { REDRAWS_PER_SECOND, type Ui } from './ui.js';

/** Renders polling: an ora spinner on a TTY, one line per status change otherwise, nothing with --quiet/--json. */
export interface TaskProgress {
  onStatus(task: TaskResponse): void;
  /** A line that stays (a task finished, a download starts). */
  line(text: string): void;
  stop(): void;
}

interface Seen {
  status: string;
  submit?: number;
  scheduled?: number;
}

export async function taskProgress(ui: Ui, now: () => number): Promise<TaskProgress> {
  const seen = new Map<string, Seen>();
  if (!ui.animate) {
    return {
      onStatus(task) {
        const { task_id: id, task_status: status } = task.output;
        if (seen.get(id)?.status === status) return;
        seen.set(id, { status });
        ui.info(`task ${id}: ${status}`);
      },
      line: (text) => ui.info(text),
      stop() {},
    };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({
    stream: ui.io.stderr as NodeJS.WritableStream,
    isEnabled: true,
    discardStdin: false,
    interval: 1000 / REDRAWS_PER_SECOND,
    // NO_COLOR and --no-color reach the spinner too.
    color: ui.err.level > 0 ? 'cyan' : false,
  }).start('waiting');
  const render = () => {
    spinner.text = [...seen.entries()].map(([id, s]) => `task ${id}: ${s.status}${times(s, now())}`).join('\n  ');
  };
  const timer = setInterval(render, 1000);
  timer.unref();
  return {
    onStatus(task) {
      const o = task.output;
      seen.set(o.task_id, {
        status: o.task_status,
        submit: parseServerTime(o.submit_time) ?? seen.get(o.task_id)?.submit,
        scheduled: parseServerTime(o.scheduled_time) ?? seen.get(o.task_id)?.scheduled,
      });
      render();
    },
    line(text) {
      spinner.clear();
      ui.io.stderr.write(`${text}\n`);
      spinner.render();
    },
    stop() {
      clearInterval(timer);
      spinner.stop();
    },
  };
}

function times(s: Seen, now: number): string {
  if (s.submit === undefined) return '';
  if (s.scheduled === undefined) return ` · queued ${formatDuration(now - s.submit)}`;
  return ` · queued ${formatDuration(s.scheduled - s.submit)}, running ${formatDuration(now - s.scheduled)}`;
}
