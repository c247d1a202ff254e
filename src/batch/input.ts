import * as z from 'zod/mini';
import '../api/zod-english.js';
import { RATIOS, TIERS } from '../api/sizes.js';

/**
 * A batch file: JSON Lines (one object per line: `prompt` plus create options in camelCase, an
 * `output` file name and an idempotency `key`), or plain text with one prompt per line. Blank lines
 * and `#` comments are skipped in both. Pure: the command reads the file, this only parses it.
 */

const nonEmpty = z.string().check(z.minLength(1));

/** What one JSON line may say; everything but `prompt` falls back to the command's flags. */
export const lineFieldsSchema = z.strictObject({
  /** Optional on a line with an image or a clip, which says what to show. */
  prompt: z.optional(z.string().check(z.refine((s) => s.trim() !== '', 'must not be empty'))),
  model: z.optional(nonEmpty),
  size: z.optional(nonEmpty),
  resolution: z.optional(z.enum(TIERS)),
  ratio: z.optional(z.enum(RATIOS)),
  duration: z.optional(z.number().check(z.int())),
  negativePrompt: z.optional(z.string()),
  audioUrl: z.optional(nonEmpty),
  /**
   * A local wav/mp3 (relative to the batch file's directory; uploaded when the line is sent), an
   * http(s)/oss URL, or `false` for a silent video.
   */
  audio: z.optional(z.union([nonEmpty, z.literal(false)])),
  /** The first frame: a local image (relative to the batch file's directory) or a URL. */
  image: z.optional(nonEmpty),
  /** The same as `image`. */
  firstFrame: z.optional(nonEmpty),
  lastFrame: z.optional(nonEmpty),
  /** wan2.7-i2v: a clip to continue. */
  clip: z.optional(nonEmpty),
  /** Reference images and clips (reference-to-video). */
  references: z.optional(z.array(nonEmpty).check(z.minLength(1))),
  seed: z.optional(z.number().check(z.int())),
  promptExtend: z.optional(z.boolean()),
  watermark: z.optional(z.boolean()),
  shotType: z.optional(z.enum(['single', 'multi'])),
  /** File name under --output-dir. */
  output: z.optional(nonEmpty),
  /** Idempotency key: the same key never pays for a second task. */
  key: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type LineFields = z.infer<typeof lineFieldsSchema>;

export interface BatchEntry {
  /** 1-based line number in the file, as an editor shows it. */
  line: number;
  fields: LineFields;
}

export interface LineError {
  line: number;
  /** The field at fault (`duration`), when one is. */
  field?: string;
  message: string;
}

export interface ParsedBatch {
  format: 'jsonl' | 'text';
  entries: BatchEntry[];
  errors: LineError[];
}

const isSkipped = (text: string) => text.trim() === '' || text.trimStart().startsWith('#');

/** JSON Lines when the first line that is not blank (nor a comment) starts with `{`; else one prompt per line. */
export function parseBatch(text: string): ParsedBatch {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.find((l) => !isSkipped(l));
  const format = first?.trimStart().startsWith('{') ? 'jsonl' : 'text';
  const entries: BatchEntry[] = [];
  const errors: LineError[] = [];
  lines.forEach((raw, index) => {
    if (isSkipped(raw)) return;
    const line = index + 1;
    if (format === 'text') {
      entries.push({ line, fields: { prompt: raw.trim() } });
      return;
    }
    const parsed = parseJsonLine(raw, line);
    if ('errors' in parsed) errors.push(...parsed.errors);
    else entries.push({ line, fields: parsed.fields });
  });
  if (entries.length === 0 && errors.length === 0) errors.push({ line: 0, message: 'the batch has no prompts' });
  return { format, entries, errors };
}

function parseJsonLine(raw: string, line: number): { fields: LineFields } | { errors: LineError[] } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { errors: [{ line, message: `not valid JSON (${(err as Error).message})` }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { errors: [{ line, message: 'each line must be a JSON object with a "prompt"' }] };
  }
  const result = lineFieldsSchema.safeParse(value);
  if (result.success) {
    const f = result.data;
    // Only an image or a clip says what to show without a prompt (references need one too).
    if (f.prompt === undefined && [f.image, f.firstFrame, f.clip].every((v) => v === undefined))
      return { errors: [{ line, field: 'prompt', message: 'missing' }] };
    return { fields: f };
  }
  return {
    errors: result.error.issues.map((issue): LineError => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        return {
          line,
          field: issue.keys[0],
          message: `unknown field ${keys}; allowed: ${Object.keys(lineFieldsSchema.shape).join(', ')}`,
        };
      }
      const field = String(issue.path[0] ?? '');
      return {
        line,
        field,
        message: describeIssue(issue),
      };
    }),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type')
    return `expected ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

/** `line 3: duration: expected a number`. */
export function formatLineError(error: LineError): string {
  const where = error.line > 0 ? `line ${error.line}: ` : '';
  return `${where}${error.field ? `${error.field}: ` : ''}${error.message}`;
}
