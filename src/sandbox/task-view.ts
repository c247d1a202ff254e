import { findModel } from '../api/catalogue.js';
import { rewritePrompt } from './prompt-rewrite.js';
import type { TaskPhase } from './task-phase.js';
import type { TaskRecord } from './task-record.js';
import { formatBeijingTime } from './time-format.js';
import { usageOf } from './usage.js';

export interface TaskView {
  output: Record<string, unknown>;
  usage?: Record<string, unknown>;
}

/**
 * The body of `GET /tasks/{id}` minus `request_id` (dashscope-api.md §4.2), for the task in `phase`.
 * `videoUrl` is asked only for SUCCEEDED tasks, because URLs are signed per process and per query.
 */
export function taskView(
  task: TaskRecord,
  phase: TaskPhase,
  videoUrl: (task: TaskRecord, endTime: number) => string,
): TaskView {
  if (phase.status === 'UNKNOWN') return unknownTaskView(task.id);

  const output: Record<string, unknown> = {
    task_id: task.id,
    task_status: phase.status,
    submit_time: formatBeijingTime(task.submitTime),
  };
  if (phase.status !== 'PENDING' && phase.scheduledTime !== undefined) {
    output.scheduled_time = formatBeijingTime(phase.scheduledTime);
  }
  if (phase.status === 'PENDING' || phase.status === 'RUNNING') return { output };

  output.end_time = formatBeijingTime(phase.endTime);
  if (phase.status === 'FAILED' && task.outcome.status === 'FAILED') {
    output.code = task.outcome.code;
    output.message = task.outcome.message;
    return { output };
  }
  if (phase.status !== 'SUCCEEDED') return { output };

  output.video_url = videoUrl(task, phase.endTime);
  // An image model may have been sent no prompt; the prompt fields then have nothing to show (UNCONFIRMED).
  if (task.prompt !== '') {
    output.orig_prompt = task.prompt;
    // §3.1: actual_prompt only when prompt_extend is on, and wan2.6 never returns it; modes.md §5.3:
    // none is documented for wan2.7-i2v either.
    const rewrites = !task.modelId.startsWith('wan2.6') && findModel(task.modelId)?.shape !== 'media';
    if (task.promptExtend && rewrites) output.actual_prompt = rewritePrompt(task.prompt);
  }
  return { output, usage: usageOf(task) };
}

/** Unknown or expired ids are HTTP 200 with a bare UNKNOWN output (§4.2). */
export function unknownTaskView(taskId: string): TaskView {
  return { output: { task_id: taskId, task_status: 'UNKNOWN' } };
}
