import { findModel } from '../api/catalogue.js';
import { tierOfSize } from '../api/sizes.js';
import type { TaskRecord } from './task-record.js';

/**
 * `usage` of a SUCCEEDED task; its shape differs by input shape and model generation, as each API
 * reference documents it (dashscope-api.md §4.2 for text-to-video; research modes.md §2.4, §3, §4.3,
 * §5.3 for the others). `SR` is the output tier as a number (480/720/1080). Durations are the billed
 * seconds.
 */
export function usageOf(task: TaskRecord): Record<string, unknown> {
  const size = task.size ?? '';
  const sr = Number.parseInt(task.resolution ?? tierOfSize(size) ?? '0', 10);
  const generation = /^wanx?2\.(\d)/.exec(task.modelId)?.[1];
  const { duration } = task;
  const model = findModel(task.modelId);
  switch (model?.shape) {
    case 'image':
      // §2.4: wan2.6 bills input + output seconds (no input here) and the flash model says whether it
      // made sound (its price depends on it); wan2.5 and wan2.2 give the tier; wan2.1 a fixed "standard".
      if (generation === '6') {
        return {
          duration,
          input_video_duration: 0,
          output_video_duration: duration,
          video_count: 1,
          SR: sr,
          ...(model.audioSwitch ? { audio: task.parameters.audio !== false } : {}),
        };
      }
      if (generation === '1') return { video_duration: duration, video_ratio: 'standard', video_count: 1 };
      return { duration, SR: sr, video_count: 1 };
    case 'frames':
      // §3: SR for wan2.2 only, video_ratio "standard" for wan2.1 only.
      return generation === '1'
        ? { video_duration: duration, video_count: 1, video_ratio: 'standard' }
        : { video_duration: duration, video_count: 1, SR: sr };
    case 'references': {
      // §4.3: reference clips are billed too; `duration` (input + output) is what is charged.
      const input = task.inputVideoSeconds ?? 0;
      return {
        duration: Math.round((input + duration) * 100) / 100,
        size,
        input_video_duration: input,
        output_video_duration: duration,
        video_count: 1,
        SR: sr,
      };
    }
    case 'media':
      // §5.3: with a first clip `duration` is the whole video, clip included, and that is what is billed;
      // what input_video_duration says then is UNCONFIRMED (0 here, as in the documented example).
      return { duration, input_video_duration: 0, output_video_duration: duration, video_count: 1, SR: sr };
    default:
      return textUsage(task, size, sr, generation);
  }
}

function textUsage(
  task: TaskRecord,
  size: string,
  sr: number,
  generation: string | undefined,
): Record<string, unknown> {
  const { duration } = task;
  if (generation === '7') {
    return {
      duration,
      input_video_duration: 0,
      output_video_duration: duration,
      video_count: 1,
      ratio: task.ratio ?? '',
      SR: sr,
    };
  }
  if (generation === '6') {
    return { duration, size, input_video_duration: 0, output_video_duration: duration, video_count: 1, SR: sr };
  }
  return { video_duration: duration, video_ratio: size, video_count: 1 };
}
