import { randomInt } from 'node:crypto';
import type { SandboxFaults, SandboxTaskInfo, TaskScript } from './types.js';
import type { CreateSpec } from './validate-create.js';
import type { VideoStills } from './video-spec.js';

/** How a task ends, decided once at create time so every process sharing a state dir agrees. */
export type TaskOutcome =
  | { status: 'SUCCEEDED' }
  | { status: 'FAILED'; code: string; message: string }
  | { status: 'CANCELED' }
  | { status: 'UNKNOWN' };

/** What the store keeps (and persists) per task. */
export interface TaskRecord extends SandboxTaskInfo {
  /** Canonical catalogue id (the client may have sent a regional id or a dated snapshot). */
  modelId: string;
  pendingMs: number;
  runningMs: number;
  outcome: TaskOutcome;
  /** Set when `POST /tasks/{id}/cancel` succeeded while the task was PENDING. */
  canceledTime?: number;
  /** SHA-256 of the creating key: lists and queues are per key. Absent in records from older sandboxes. */
  keyHash?: string;
  /** The create's `request_id`, which the task list shows. */
  requestId?: string;
  /**
   * With rate limits on: how many tasks of this model and key may be processed at once. The task waits
   * in PENDING for a slot; its own pendingMs starts when it gets one (see task-queue.ts).
   */
  concurrency?: number;
  /** Creation order, to keep the queue first-in first-out among tasks created in the same millisecond. */
  seq?: number;
  /** The input images the video is painted from, by content hash (media-store.ts). */
  stills?: VideoStills;
  /** r2v: the reference clips' billed seconds (usage `input_video_duration`). */
  inputVideoSeconds?: number;
}

export interface TaskDefaults {
  pendingMs: number;
  runningMs: number;
  faults: SandboxFaults;
  script?: (task: SandboxTaskInfo) => TaskScript | undefined;
}

/** Who created the task and when; what the create request adds to the validated body. */
export interface TaskOrigin {
  id: string;
  requestId: string;
  now: number;
  keyHash: string;
  seq: number;
  concurrency?: number;
}

/** §3.1: `seed` is in [0, 2147483647] and random if omitted; we pick it now so the video is reproducible. */
const SEED_LIMIT = 2147483648;

export function buildTask(spec: CreateSpec, origin: TaskOrigin, defaults: TaskDefaults): TaskRecord {
  const info: SandboxTaskInfo = {
    id: origin.id,
    model: spec.model,
    prompt: spec.prompt,
    ...(spec.negativePrompt !== undefined ? { negativePrompt: spec.negativePrompt } : {}),
    parameters: spec.parameters,
    ...(spec.size !== undefined ? { size: spec.size } : {}),
    ...(spec.ratio !== undefined ? { ratio: spec.ratio } : {}),
    ...(spec.resolution !== undefined ? { resolution: spec.resolution } : {}),
    duration: spec.duration,
    fps: spec.info.fps,
    seed: spec.seed ?? randomInt(SEED_LIMIT),
    promptExtend: spec.promptExtend,
    ...(spec.audioUrl !== undefined ? { audioUrl: spec.audioUrl } : {}),
    submitTime: origin.now,
  };
  const script = defaults.script?.({ ...info }) ?? {};
  return {
    ...info,
    modelId: spec.info.id,
    pendingMs: Math.max(0, script.pendingMs ?? defaults.pendingMs),
    runningMs: Math.max(0, script.runningMs ?? defaults.runningMs),
    outcome: outcomeOf(script, spec, defaults.faults),
    keyHash: origin.keyHash,
    requestId: origin.requestId,
    seq: origin.seq,
    ...(origin.concurrency !== undefined ? { concurrency: origin.concurrency } : {}),
    ...(spec.stills ? { stills: spec.stills } : {}),
    ...(spec.inputVideoSeconds !== undefined ? { inputVideoSeconds: spec.inputVideoSeconds } : {}),
  };
}

/** True when the `failTask` fault (not a script or a bad value) decided this task's failure. */
export function failedByFault(task: TaskRecord, faults: SandboxFaults): boolean {
  const fault = faults.failTask;
  return (
    fault !== undefined &&
    task.outcome.status === 'FAILED' &&
    task.outcome.code === fault.code &&
    task.outcome.message === fault.message
  );
}

/** An explicit script wins, then a parameter value the model rejects, then the global fault. */
function outcomeOf(script: TaskScript, spec: CreateSpec, faults: SandboxFaults): TaskOutcome {
  if (script.fail) return { status: 'FAILED', ...script.fail };
  if (script.status) return { status: script.status };
  if (spec.valueError) return { status: 'FAILED', ...spec.valueError };
  if (faults.failTask) return { status: 'FAILED', ...faults.failTask };
  return { status: 'SUCCEEDED' };
}
