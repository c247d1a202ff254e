import * as z from 'zod/mini';
import './zod-english.js';

/**
 * Wire schemas: what we send (strict) and what we read from DashScope (tolerant).
 *
 * A response is read by the few fields `wan` needs; everything else may be missing, `null`, of
 * another type or new, and is passed through untouched to --json, the sidecar and the journal. A
 * paid result is never refused for its shape: only `output.task_id`, `output.task_status` and, for
 * a SUCCEEDED task, `output.video_url` are required (dashscope-api.md §4.2 and §8).
 */

export { isTerminal, TERMINAL_STATUSES, type TerminalStatus } from './task-status.js';

const nonEmpty = z.string().check(z.minLength(1));

/** wan2.7's input list: each `type` at most once (dashscope-api.md and the wan2.7 image-to-video reference). */
export const mediaItemSchema = z.object({
  type: z.enum(['first_frame', 'last_frame', 'driving_audio', 'first_clip']),
  url: nonEmpty,
});

/** `input`: the prompt and the media of the model's input shape (catalogue.ts `InputShape`). */
export const createInputSchema = z.object({
  prompt: z.optional(z.string()),
  negative_prompt: z.optional(z.string()),
  audio_url: z.optional(nonEmpty),
  img_url: z.optional(nonEmpty),
  first_frame_url: z.optional(nonEmpty),
  last_frame_url: z.optional(nonEmpty),
  reference_urls: z.optional(z.array(nonEmpty).check(z.minLength(1))),
  media: z.optional(z.array(mediaItemSchema).check(z.minLength(1))),
});

export const createParametersSchema = z.object({
  size: z.optional(z.string().check(z.regex(/^\d+\*\d+$/))),
  resolution: z.optional(z.enum(['480P', '720P', '1080P'])),
  ratio: z.optional(z.enum(['16:9', '9:16', '1:1', '4:3', '3:4'])),
  duration: z.optional(z.number().check(z.int(), z.positive())),
  prompt_extend: z.optional(z.boolean()),
  watermark: z.optional(z.boolean()),
  seed: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(2147483647))),
  shot_type: z.optional(z.enum(['single', 'multi'])),
  audio: z.optional(z.boolean()),
});

/** The body of `POST /services/aigc/{video-generation|image2video}/video-synthesis`. */
export const createRequestBodySchema = z.object({
  model: nonEmpty,
  input: createInputSchema,
  parameters: createParametersSchema,
});
export type CreateRequestBody = z.infer<typeof createRequestBodySchema>;

/** Any value, read as text only when it is text: how every optional response field is read. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Any value, read as a number when it is one or a numeric string (`"5"`). */
export function numeric(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export const createResponseSchema = z.looseObject({
  request_id: z.optional(z.unknown()),
  output: z.looseObject({ task_id: nonEmpty, task_status: nonEmpty }),
});
export type CreateResponse = z.infer<typeof createResponseSchema>;

/** `output` of a task: the fields `wan` reads, all but three of them any type (use `text()`). */
export const taskOutputSchema = z
  .looseObject({
    task_id: nonEmpty,
    /** Any string: states never seen (SUSPENDED, …) are treated as still running. */
    task_status: nonEmpty,
    video_url: z.optional(z.unknown()),
  })
  .check(
    z.refine((o) => o.task_status !== 'SUCCEEDED' || text(o.video_url) !== undefined, {
      message: 'a SUCCEEDED task must have a video_url',
      path: ['video_url'],
    }),
  );
export type TaskOutput = z.infer<typeof taskOutputSchema> & { video_url?: unknown; [field: string]: unknown };

/** The body of `GET /tasks/{task_id}` (HTTP 200 even when the task FAILED). `usage` is passed through as is. */
export const taskResponseSchema = z.looseObject({
  request_id: z.optional(z.unknown()),
  output: taskOutputSchema,
  usage: z.optional(z.unknown()),
});
export type TaskResponse = { request_id?: unknown; output: TaskOutput; usage?: unknown; [field: string]: unknown };

/** DashScope's flat request-level error body. */
export const apiErrorBodySchema = z.looseObject({
  code: z.optional(z.unknown()),
  message: z.optional(z.unknown()),
  request_id: z.optional(z.unknown()),
});

/** `POST /tasks/{id}/cancel` answers only `{request_id}` (dashscope-api.md §1.2). */
export const cancelResponseSchema = z.looseObject({ request_id: z.optional(z.unknown()) });

/** One task of `GET /tasks`: epoch-millisecond times, `end_time` only once finished (§1.2). */
export const listedTaskSchema = z.looseObject({ task_id: nonEmpty, status: nonEmpty });
export type ListedTask = z.infer<typeof listedTaskSchema> & { [field: string]: unknown };

/** `GET /tasks`: top level, not wrapped in `output`; paging fields are read with `numeric()`. */
export const listResponseSchema = z.looseObject({ data: z.array(listedTaskSchema) });
export type ListResponse = z.infer<typeof listResponseSchema> & { [field: string]: unknown };

/** Step 1 of a temporary upload: `GET /uploads?action=getPolicy&model=…` (§1.3); all of it is sent back. */
export const uploadPolicySchema = z.looseObject({
  data: z.looseObject({
    policy: z.string(),
    signature: z.string(),
    upload_dir: z.string(),
    upload_host: z.string().check(z.regex(/^https?:\/\//)),
    expire_in_seconds: z.optional(z.coerce.number()),
    max_file_size_mb: z.optional(z.coerce.number()),
    oss_access_key_id: z.string(),
    x_oss_object_acl: z.string(),
    x_oss_forbid_overwrite: z.string(),
  }),
});
export type UploadPolicy = z.infer<typeof uploadPolicySchema>['data'];
