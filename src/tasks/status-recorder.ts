import { urlExpiry } from '../api/download/index.js';
import { type TaskResponse, text } from '../api/schemas.js';
import type { TaskEntry } from '../journal/fold.js';
import { type Job, recorder } from './job.js';

/**
 * Records what happens to journaled tasks (status changes, and for an ended task its code, end time
 * and when its video URL expires), so `wan wait --pending`, `wan sweep` and `wan list` know. Tasks
 * wan did not create are not journaled.
 */
export function statusRecorder(
  job: Job,
  entryOf: (taskId: string) => TaskEntry | undefined,
): (task: TaskResponse) => void {
  const append = recorder(job);
  const last = new Map<string, string | undefined>();
  return (task) => {
    const o = task.output;
    const entry = entryOf(o.task_id);
    if (!entry) return;
    // The watcher reports an ended task only from its query, which has the details.
    const before = last.has(o.task_id) ? last.get(o.task_id) : entry.status;
    if (o.task_status === before) return;
    last.set(o.task_id, o.task_status);
    const url = text(o.video_url);
    const expires = url ? urlExpiry(url) : undefined;
    void append({
      type: 'status',
      id: entry.id,
      taskId: o.task_id,
      status: o.task_status,
      ...(text(o.code) ? { code: text(o.code) } : {}),
      ...(text(o.message) ? { message: text(o.message) } : {}),
      ...(text(o.end_time) ? { endTime: text(o.end_time) } : {}),
      ...(expires ? { videoExpiresAt: expires.toISOString() } : {}),
    });
  };
}
