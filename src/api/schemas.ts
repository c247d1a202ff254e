import * as z from 'zod/mini';
import './zod-english.js';

/**
 * Wire schemas: what we send and what we accept from DashScope (dashscope-api.md §3, §4).
 * Responses are loose objects: the service adds fields over time and we pass them through.
 */

export { isTerminal, TERMINAL_STATUSES, type TerminalStatus } from './task-status.js';

const nonEmpty = z.string().check(z.minLength(1));

/** Any string: states we have never seen (SUSPENDED, …) are treated as still running. */
export const taskStatusSchema = nonEmpty;
export type TaskStatus = z.infer<typeof taskStatusSchema>;

export const createInputSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.optional(z.string()),
  audio_url: z.optional(z.string()),
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
});

/** The body of `POST /services/aigc/video-generation/video-synthesis`. */
export const createRequestBodySchema = z.object({
  model: nonEmpty,
  input: createInputSchema,
  parameters: createParametersSchema,
});
export type CreateRequestBody = z.infer<typeof createRequestBodySchema>;

export const createResponseSchema = z.looseObject({
  request_id: z.string(),
  output: z.looseObject({ task_id: nonEmpty, task_status: taskStatusSchema }),
});
export type CreateResponse = z.infer<typeof createResponseSchema>;

export const taskOutputSchema = z.looseObject({
  task_id: nonEmpty,
  task_status: taskStatusSchema,
  submit_time: z.optional(z.string()),
  scheduled_time: z.optional(z.string()),
  end_time: z.optional(z.string()),
  video_url: z.optional(z.string()),
  orig_prompt: z.optional(z.string()),
  actual_prompt: z.optional(z.string()),
  code: z.optional(z.string()),
  message: z.optional(z.string()),
});
export type TaskOutput = z.infer<typeof taskOutputSchema>;

/** Usage differs by model generation (§8 item 10); every field is optional. */
export const usageSchema = z.looseObject({
  video_duration: z.optional(z.number()),
  video_ratio: z.optional(z.string()),
  video_count: z.optional(z.number()),
  duration: z.optional(z.number()),
  size: z.optional(z.string()),
  SR: z.optional(z.number()),
});
export type Usage = z.infer<typeof usageSchema>;

/** The body of `GET /tasks/{task_id}` (always HTTP 200 when the request itself was fine). */
export const taskResponseSchema = z.looseObject({
  request_id: z.string(),
  output: taskOutputSchema,
  usage: z.optional(usageSchema),
});
export type TaskResponse = z.infer<typeof taskResponseSchema>;

/** DashScope's flat request-level error body. */
export const apiErrorBodySchema = z.looseObject({
  code: z.optional(z.string()),
  message: z.optional(z.string()),
  request_id: z.optional(z.string()),
});

/** `POST /tasks/{id}/cancel` answers only `{request_id}` (dashscope-api.md §1.2). */
export const cancelResponseSchema = z.looseObject({ request_id: z.string() });

/** One task of `GET /tasks`: epoch-millisecond times, `end_time` only once finished (§1.2). */
export const listedTaskSchema = z.looseObject({
  task_id: nonEmpty,
  status: taskStatusSchema,
  model_name: z.optional(z.string()),
  gmt_create: z.optional(z.number()),
  start_time: z.optional(z.number()),
  end_time: z.optional(z.number()),
  request_id: z.optional(z.string()),
  region: z.optional(z.string()),
});
export type ListedTask = z.infer<typeof listedTaskSchema>;

/** `GET /tasks`: top level, not wrapped in `output`. */
export const listResponseSchema = z.looseObject({
  request_id: z.string(),
  total: z.number().check(z.int(), z.nonnegative()),
  total_page: z.optional(z.number().check(z.int(), z.nonnegative())),
  page_no: z.number().check(z.int(), z.positive()),
  page_size: z.number().check(z.int(), z.positive()),
  data: z.array(listedTaskSchema),
});
export type ListResponse = z.infer<typeof listResponseSchema>;

/** Step 1 of a temporary upload: `GET /uploads?action=getPolicy&model=…` (§1.3). */
export const uploadPolicySchema = z.looseObject({
  request_id: z.optional(z.string()),
  data: z.looseObject({
    policy: z.string(),
    signature: z.string(),
    upload_dir: z.string(),
    upload_host: z.string().check(z.regex(/^https?:\/\//)),
    expire_in_seconds: z.coerce.number(),
    max_file_size_mb: z.coerce.number(),
    oss_access_key_id: z.string(),
    x_oss_object_acl: z.string(),
    x_oss_forbid_overwrite: z.string(),
  }),
});
export type UploadPolicy = z.infer<typeof uploadPolicySchema>['data'];
