import { z } from 'zod';

/**
 * Wire schemas: what we send and what we accept from DashScope (dashscope-api.md §3, §4).
 * Responses are loose objects: the service adds fields over time and we pass them through.
 */

export { TERMINAL_STATUSES, isTerminal, type TerminalStatus } from './task-status.js';

/** Any string: states we have never seen (SUSPENDED, …) are treated as still running. */
export const taskStatusSchema = z.string().min(1);
export type TaskStatus = z.infer<typeof taskStatusSchema>;


export const createInputSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string().optional(),
  audio_url: z.string().optional(),
});

export const createParametersSchema = z.object({
  size: z.string().regex(/^\d+\*\d+$/).optional(),
  resolution: z.enum(['480P', '720P', '1080P']).optional(),
  ratio: z.enum(['16:9', '9:16', '1:1', '4:3', '3:4']).optional(),
  duration: z.number().int().positive().optional(),
  prompt_extend: z.boolean().optional(),
  watermark: z.boolean().optional(),
  seed: z.number().int().min(0).max(2147483647).optional(),
  shot_type: z.enum(['single', 'multi']).optional(),
});

/** The body of `POST /services/aigc/video-generation/video-synthesis`. */
export const createRequestBodySchema = z.object({
  model: z.string().min(1),
  input: createInputSchema,
  parameters: createParametersSchema,
});
export type CreateRequestBody = z.infer<typeof createRequestBodySchema>;

export const createResponseSchema = z.looseObject({
  request_id: z.string(),
  output: z.looseObject({ task_id: z.string().min(1), task_status: taskStatusSchema }),
});
export type CreateResponse = z.infer<typeof createResponseSchema>;

export const taskOutputSchema = z.looseObject({
  task_id: z.string().min(1),
  task_status: taskStatusSchema,
  submit_time: z.string().optional(),
  scheduled_time: z.string().optional(),
  end_time: z.string().optional(),
  video_url: z.string().optional(),
  orig_prompt: z.string().optional(),
  actual_prompt: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type TaskOutput = z.infer<typeof taskOutputSchema>;

/** Usage differs by model generation (§8 item 10); every field is optional. */
export const usageSchema = z.looseObject({
  video_duration: z.number().optional(),
  video_ratio: z.string().optional(),
  video_count: z.number().optional(),
  duration: z.number().optional(),
  size: z.string().optional(),
  SR: z.number().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

/** The body of `GET /tasks/{task_id}` (always HTTP 200 when the request itself was fine). */
export const taskResponseSchema = z.looseObject({
  request_id: z.string(),
  output: taskOutputSchema,
  usage: usageSchema.optional(),
});
export type TaskResponse = z.infer<typeof taskResponseSchema>;

/** DashScope's flat request-level error body. */
export const apiErrorBodySchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
  request_id: z.string().optional(),
});

/** `POST /tasks/{id}/cancel` answers only `{request_id}` (dashscope-api.md §1.2). */
export const cancelResponseSchema = z.looseObject({ request_id: z.string() });

/** One task of `GET /tasks`: epoch-millisecond times, `end_time` only once finished (§1.2). */
export const listedTaskSchema = z.looseObject({
  task_id: z.string().min(1),
  status: taskStatusSchema,
  model_name: z.string().optional(),
  gmt_create: z.number().optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  request_id: z.string().optional(),
  region: z.string().optional(),
});
export type ListedTask = z.infer<typeof listedTaskSchema>;

/** `GET /tasks`: top level, not wrapped in `output`. */
export const listResponseSchema = z.looseObject({
  request_id: z.string(),
  total: z.number().int().nonnegative(),
  total_page: z.number().int().nonnegative().optional(),
  page_no: z.number().int().positive(),
  page_size: z.number().int().positive(),
  data: z.array(listedTaskSchema),
});
export type ListResponse = z.infer<typeof listResponseSchema>;

/** Step 1 of a temporary upload: `GET /uploads?action=getPolicy&model=…` (§1.3). */
export const uploadPolicySchema = z.looseObject({
  request_id: z.string().optional(),
  data: z.looseObject({
    policy: z.string(),
    signature: z.string(),
    upload_dir: z.string(),
    upload_host: z.string().regex(/^https?:\/\//),
    expire_in_seconds: z.coerce.number(),
    max_file_size_mb: z.coerce.number(),
    oss_access_key_id: z.string(),
    x_oss_object_acl: z.string(),
    x_oss_forbid_overwrite: z.string(),
  }),
});
export type UploadPolicy = z.infer<typeof uploadPolicySchema>['data'];
