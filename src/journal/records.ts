import * as z from 'zod/mini';
import '../api/zod-english.js';

/**
 * The journal's record types. These schemas are the single source of the types: what `append`
 * accepts is what `read` parses back, so a record written by one version of `wan` and read by
 * another is checked at the boundary instead of trusted.
 *
 * Objects strip unknown keys on parse: a field added by a newer `wan` is ignored by an older one
 * rather than making the whole line unreadable.
 */

/** `new Date().toISOString()` shape (UTC, `Z`), so `at` values compare as strings. */
const at = z.iso.datetime();
const nonEmpty = z.string().check(z.minLength(1));
const id = nonEmpty;

export const intentRecordSchema = z.object({
  type: z.literal('intent'),
  /** Local intent id (a UUID), chosen before anything is sent. */
  id,
  at,
  region: z.string(),
  baseUrl: z.string(),
  model: z.string(),
  prompt: z.string(),
  /**
   * Set when the prompt (and negative prompt) were cut to 8,000 characters to keep the line
   * small enough to append atomically. `requestHash` still covers the full request.
   */
  promptTruncated: z.optional(z.literal(true)),
  negativePrompt: z.optional(z.string()),
  parameters: z.record(z.string(), z.unknown()),
  /** `requestHash(body)` of the create body, so an identical create can be recognised. */
  requestHash: nonEmpty,
  idempotencyKey: z.optional(z.string()),
  /** Where the video is meant to be saved. */
  output: z.optional(z.string()),
  /** The batch file and the line this task came from (for people: a line's identity is its content). */
  batch: z.optional(z.object({ file: z.string(), line: z.number().check(z.int()) })),
});

export const createdRecordSchema = z.object({
  type: z.literal('created'),
  id,
  at,
  taskId: nonEmpty,
  requestId: z.string(),
  submitTime: z.optional(z.string()),
});

export const createFailedRecordSchema = z.object({
  type: z.literal('create-failed'),
  id,
  at,
  /**
   * `true` only when the service certainly created nothing (a 4xx answer, or a failure before
   * the request left). A timeout after sending, a reset or a 5xx is `false`: a task may exist.
   */
  certain: z.boolean(),
  code: z.optional(z.string()),
  message: z.string(),
  requestId: z.optional(z.string()),
});

export const statusRecordSchema = z.object({
  type: z.literal('status'),
  id,
  at,
  taskId: nonEmpty,
  status: nonEmpty,
  code: z.optional(z.string()),
  message: z.optional(z.string()),
  endTime: z.optional(z.string()),
  /** ISO time after which the video URL no longer works (end time + 24 h, or the URL's own expiry). */
  videoExpiresAt: z.optional(z.string()),
});

export const downloadedRecordSchema = z.object({
  type: z.literal('downloaded'),
  id,
  at,
  taskId: nonEmpty,
  file: z.string(),
  bytes: z.number().check(z.int(), z.nonnegative()),
  sha256: z.string(),
});

/**
 * The task's video will not be saved where the intent said: that file is another video's. Recorded
 * once, so `wan sweep` and `wan wait --pending` say so once instead of on every run.
 */
export const downloadBlockedRecordSchema = z.object({
  type: z.literal('download-blocked'),
  id,
  at,
  taskId: nonEmpty,
  file: z.string(),
  reason: z.string(),
});

export const journalRecordSchema = z.discriminatedUnion('type', [
  intentRecordSchema,
  createdRecordSchema,
  createFailedRecordSchema,
  statusRecordSchema,
  downloadedRecordSchema,
  downloadBlockedRecordSchema,
]);

export type JournalRecord = z.infer<typeof journalRecordSchema>;
export type IntentRecord = z.infer<typeof intentRecordSchema>;
export type CreatedRecord = z.infer<typeof createdRecordSchema>;
export type CreateFailedRecord = z.infer<typeof createFailedRecordSchema>;
export type StatusRecord = z.infer<typeof statusRecordSchema>;
export type DownloadedRecord = z.infer<typeof downloadedRecordSchema>;
export type DownloadBlockedRecord = z.infer<typeof downloadBlockedRecordSchema>;

/**
 * What `Journal.append` takes: any record, with `at` optional (it defaults to the journal's clock).
 * Written as a distributive conditional because `Omit<Union, 'at'>` would collapse the union to
 * its common keys.
 */
export type JournalRecordInput = JournalRecord extends infer R
  ? R extends JournalRecord
    ? Omit<R, 'at'> & { at?: string }
    : never
  : never;
