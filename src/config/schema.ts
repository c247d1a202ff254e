import * as z from 'zod/mini';
import '../api/zod-english.js';
import { allModelIds } from '../api/catalogue.js';
import { REGION_NAMES } from '../api/regions.js';
import { normalizeSize, RATIOS, sizesOfTier, TIERS } from '../api/sizes.js';
import { normalizeBaseUrl } from './base-url.js';
import { durationMs, formatDuration } from './duration.js';
import { showValue } from './show-value.js';
import { closest } from './suggest.js';
import type { ConfigKey } from './types.js';

/**
 * One zod schema per config key, shared by files, flags and variables so a value means the same
 * wherever it is written. Each issue message is a phrase about the value only
 * (`"mars" is not a region; allowed: …`); the caller prefixes where it came from.
 */

const MAX_SEED = 2_147_483_647;
// setTimeout fires at once for delays above 2^31-1 ms, so longer waits would busy-poll.
const MAX_TIMER_MS = 2_147_483_647;
const MIN_POLL_MS = 1_000;
const MIN_TIMEOUT_MS = 1_000;

const KNOWN_SIZES = [...new Set(TIERS.flatMap(sizesOfTier))];

/** zod's `error` option, phrased from the offending input. */
function says(phrase: (input: unknown) => string) {
  return { error: (issue: { input?: unknown }) => phrase(issue.input) };
}

const list = (values: readonly string[]) => values.join(', ');

function oneOf<const T extends readonly string[]>(values: T, what: string) {
  return z.enum(
    values,
    says((input) => `${showValue(input)} is not ${what}; allowed: ${list(values)}`),
  );
}

function durationField(min: number) {
  const expected = says((input) => `expected a duration such as "90s" or a number of seconds, got ${showValue(input)}`);
  return z.pipe(
    z.union([z.number(), z.string()], expected),
    z.transform((input: number | string, ctx) => {
      const ms = durationMs(input);
      if (typeof ms !== 'number') {
        ctx.issues.push({ code: 'custom', message: ms.reason, input });
        return z.NEVER;
      }
      if (ms < min || ms > MAX_TIMER_MS) {
        const range = ms < min ? `at least ${formatDuration(min)}` : `at most ${formatDuration(MAX_TIMER_MS)}`;
        ctx.issues.push({ code: 'custom', message: `must be ${range}, got ${showValue(input)}`, input });
        return z.NEVER;
      }
      return ms;
    }),
  );
}

const booleanField = () => z.boolean(says((input) => `expected true or false, got ${showValue(input)}`));

const seedError = says((input) => `expected an integer from 0 to ${MAX_SEED}, got ${showValue(input)}`);

const modelField = z.string(says((input) => `expected a model id, got ${showValue(input)}`)).check(
  z.refine(
    (id) => allModelIds().includes(id),
    says((input) => {
      const guess = typeof input === 'string' ? closest(input, allModelIds()) : undefined;
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      return `${showValue(input)} is not a known model${hint}; allowed: ${list(allModelIds())}`;
    }),
  ),
);

export const fieldSchemas = {
  region: oneOf(REGION_NAMES, 'a region'),
  baseUrl: z.pipe(
    z.string(says((input) => `expected a URL, got ${showValue(input)}`)),
    z.transform((input: string, ctx) => {
      const url = normalizeBaseUrl(input);
      if (typeof url === 'string') return url;
      ctx.issues.push({ code: 'custom', message: url.reason, input });
      return z.NEVER;
    }),
  ),
  // The value goes into an HTTP header, so only visible ASCII is accepted.
  workspace: z.string(says((input) => `expected a workspace id, got ${showValue(input)}`)).check(
    z.regex(
      /^[\x21-\x7e]+$/,
      says((input) => `${showValue(input)} is not a workspace id (visible ASCII, no spaces)`),
    ),
  ),
  model: modelField,
  size: z
    .pipe(
      z.string(says((input) => `expected a size such as "1280*720", got ${showValue(input)}`)),
      z.transform(normalizeSize),
    )
    .check(
      z.refine(
        (size) => KNOWN_SIZES.includes(size),
        says((input) => `${showValue(input)} is not a size; allowed: ${list(KNOWN_SIZES)}`),
      ),
    ),
  resolution: z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v)),
    oneOf(TIERS, 'a resolution'),
  ),
  ratio: oneOf(RATIOS, 'a ratio'),
  duration: z
    .number(says((input) => `expected a whole number of seconds, got ${showValue(input)}`))
    .check(
      z.int(says((input) => `expected a whole number of seconds, got ${showValue(input)}`)),
      z.positive(says((input) => `expected a positive number of seconds, got ${showValue(input)}`)),
    ),
  promptExtend: booleanField(),
  watermark: booleanField(),
  audio: booleanField(),
  negativePrompt: z.string(says((input) => `expected text, got ${showValue(input)}`)),
  seed: z.number(seedError).check(z.int(seedError), z.minimum(0, seedError), z.maximum(MAX_SEED, seedError)),
  outputDir: z
    .string(says((input) => `expected a directory path, got ${showValue(input)}`))
    .check(z.minLength(1, 'expected a directory path, got ""')),
  pollInterval: durationField(MIN_POLL_MS),
  timeout: durationField(MIN_TIMEOUT_MS),
  connectTimeout: durationField(100),
  requestTimeout: durationField(100),
  stallTimeout: durationField(100),
  retries: z.number(says((input) => `expected a whole number of attempts, got ${showValue(input)}`)).check(
    z.int(says((input) => `expected a whole number of attempts, got ${showValue(input)}`)),
    z.minimum(
      1,
      says((input) => `expected at least 1 attempt, got ${showValue(input)}`),
    ),
    z.maximum(
      20,
      says((input) => `expected at most 20 attempts, got ${showValue(input)}`),
    ),
  ),
  maxCost: z
    .number(says((input) => `expected an amount such as 2.5 (in the region's currency), got ${showValue(input)}`))
    .check(z.nonnegative(says((input) => `expected an amount of 0 or more, got ${showValue(input)}`))),
} satisfies Record<ConfigKey, z.ZodMiniType>;

// Never echo what was given: it is the secret.
const apiKeyField = z.string('expected the key as text').check(z.trim(), z.minLength(1, 'expected a non-empty key'));

const objectOf = (what: string) => says((input) => `expected ${what}, got ${showValue(input)}`);

const settingsShape = { ...fieldSchemas, apiKey: apiKeyField };
const optionalShape = Object.fromEntries(
  Object.entries(settingsShape).map(([key, schema]) => [key, z.optional(schema)]),
) as { [K in keyof typeof settingsShape]: z.ZodMiniOptional<(typeof settingsShape)[K]> };

/** The keys one profile may set: every config key, `apiKey` included. */
export const profileSchema = z.strictObject(optionalShape, objectOf('a mapping of settings'));

/** A whole config file: the settings, plus named profiles that override them. */
export const fileSchema = z.strictObject(
  {
    ...optionalShape,
    profiles: z.optional(z.record(z.string(), profileSchema, objectOf('a mapping of profile names to settings'))),
  },
  objectOf('a mapping of settings'),
);

export type FileSettings = z.infer<typeof profileSchema>;
export type FileConfig = z.infer<typeof fileSchema>;

export const PROFILE_KEYS: readonly string[] = Object.keys(settingsShape);
export const FILE_KEYS: readonly string[] = [...PROFILE_KEYS, 'profiles'];
