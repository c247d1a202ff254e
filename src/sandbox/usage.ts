import { tierOfSize } from '../api/sizes.js';
import type { TaskRecord } from './task-record.js';

/**
 * `usage` of a SUCCEEDED task; its shape differs by model generation (dashscope-api.md §4.2, §8 item 10).
 * `SR` is the output tier as a number (480/720/1080).
 */
export function usageOf(task: TaskRecord): Record<string, unknown> {
  const size = task.size ?? '';
  const sr = Number.parseInt(tierOfSize(size) ?? '0', 10);
  if (task.modelId.startsWith('wan2.7')) {
    return {
      duration: task.duration,
      input_video_duration: 0,
      output_video_duration: task.duration,
      video_count: 1,
      ratio: task.ratio ?? '',
      SR: sr,
    };
  }
  if (task.modelId.startsWith('wan2.6')) {
    return {
      duration: task.duration,
      size,
      input_video_duration: 0,
      output_video_duration: task.duration,
      video_count: 1,
      SR: sr,
    };
  }
  return { video_duration: task.duration, video_ratio: size, video_count: 1 };
}
