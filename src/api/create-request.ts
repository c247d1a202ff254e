import * as z from 'zod/mini';
import './zod-english.js';
import {
  allModelIds,
  DEFAULT_MODEL,
  defaultModelFor,
  describeDurations,
  durationsIn,
  findModel,
  MODE_NAMES,
  MODES,
  type Mode,
  type ModelInfo,
  modelIdsWhere,
  snapshotBase,
} from './catalogue.js';

export { describeDurations } from './catalogue.js';

import { InputError } from './errors/input-error.js';
import type { Region } from './regions.js';
import { billedInputSeconds, inputBody, type KnownMedia, modeOf } from './request-media.js';
import { pickShape } from './request-shape.js';
import { type CreateRequestBody, createRequestBodySchema } from './schemas.js';
import { RATIOS, TIERS, type Tier } from './sizes.js';

/**
 * What a caller asks for, in the library's camelCase, with every input already a URL (`http(s)://`,
 * `oss://`, or `data:` for images where the model takes it). `WanClient#create` takes local files
 * too and turns them into such URLs (media-inputs.ts).
 */
export const createTaskOptionsSchema = z.object({
  /** Checked against the inputs given, when set; else the inputs say which mode it is. */
  mode: z.optional(z.enum(MODES)),
  /** Required by text-to-video and reference models; optional when an image says what to show. */
  prompt: z.optional(z.string()),
  model: z.optional(z.string()),
  negativePrompt: z.optional(z.string()),
  /** The first frame (image-to-video; with `lastFrame`, first-and-last frame). */
  image: z.optional(z.string()),
  lastFrame: z.optional(z.string()),
  /** wan2.7-i2v: a clip (mp4/mov, 2–10 s) the video continues. */
  clip: z.optional(z.string()),
  /** Reference images and clips of the characters (r2v): the prompt calls them character1, character2, … */
  references: z.optional(z.array(z.string())),
  /** A wav/mp3 to sync the video to (3–30 s, ≤ 15 MB; wan2.7: 2–30 s); models with sound only. */
  audioUrl: z.optional(z.string()),
  /**
   * `false`: a silent video from a model that makes sound (`parameters.audio`, sent only when set).
   * Models with sound add it by default; silent models refuse the option.
   */
  audio: z.optional(z.boolean()),
  /** `W*H` (also `WxH`), size-protocol models. */
  size: z.optional(z.string()),
  resolution: z.optional(z.enum(TIERS)),
  ratio: z.optional(z.enum(RATIOS)),
  duration: z.optional(z.number()),
  promptExtend: z.optional(z.boolean()),
  watermark: z.optional(z.boolean()),
  seed: z.optional(z.number()),
  shotType: z.optional(z.enum(['single', 'multi'])),
});
export type CreateTaskOptions = z.infer<typeof createTaskOptionsSchema>;

export interface CreateRequest {
  model: ModelInfo;
  mode: Mode;
  /** `/services/aigc/<service>/video-synthesis`. */
  path: string;
  body: CreateRequestBody;
  /** Extra headers the body needs (`X-DashScope-OssResourceResolve` for `oss://` inputs). */
  headers: Record<string, string>;
  /** Things the user should know that do not stop the request (truncation, renamed model ids). */
  warnings: string[];
  /** Output size (`W*H`), where the request sets it; image models keep the input's aspect. */
  size?: string;
  tier: Tier;
  duration: number;
  /** Seconds of reference clips billed besides the video's own (r2v; an upper bound where a length is unknown). */
  inputSeconds: number;
  /** The region whose model id, prices and currency apply. */
  region: Region;
  /** `audio: false` was asked: a silent video (priced at the silent price where there is one). */
  silent: boolean;
}

const SEED_MAX = 2147483647;

/**
 * Checks options against the model catalogue and builds the exact request body, carrying only what
 * the caller set and only fields the model accepts. Throws InputError before anything is sent.
 * `known`: what was read from the local files behind some of the URLs, checked against the
 * model's limits here, with everything else.
 */
export function buildCreateRequest(
  options: CreateTaskOptions,
  region: Region,
  known: KnownMedia = new Map(),
): CreateRequest {
  const warnings: string[] = [];
  const mode = modeOf(options);
  const model = chooseModel(options, mode, region);
  // A dated snapshot is sent as asked: it pins the model's version (its base must be offered here).
  const snapshot = options.model !== undefined && snapshotBase(options.model) === model.ids[region];
  const modelId = snapshot ? options.model! : model.ids[region]!;
  if (options.model !== undefined && modelId !== options.model)
    warnings.push(`using ${modelId}, the ${region} id of ${options.model}`);

  const prompt = options.prompt;
  if (prompt === undefined || prompt.trim() === '') {
    if (model.promptRequired || prompt !== undefined)
      throw new InputError('prompt', prompt === undefined ? `${model.id} needs a prompt` : 'the prompt is empty');
  } else {
    warnIfLong(warnings, 'prompt', prompt, model.promptMax);
  }
  if (options.negativePrompt !== undefined)
    warnIfLong(warnings, 'negative prompt', options.negativePrompt, model.negativePromptMax);

  const shape = pickShape(model, options);
  const parameters: CreateRequestBody['parameters'] = { ...shape.parameters };
  const durations = durationsIn(model, region);
  if (options.duration !== undefined) {
    if (!Number.isInteger(options.duration) || !durations.includes(options.duration)) {
      throw new InputError(
        'duration',
        `${model.id} makes videos of ${describeDurations(model, region)} seconds${model.regionDurations?.[region] ? ` in ${region}` : ''}; got ${options.duration}`,
        durations,
      );
    }
    parameters.duration = options.duration;
  }
  if (options.seed !== undefined) {
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > SEED_MAX) {
      throw new InputError('seed', `the seed must be a whole number from 0 to ${SEED_MAX}; got ${options.seed}`);
    }
    parameters.seed = options.seed;
  }
  if (options.promptExtend !== undefined) parameters.prompt_extend = options.promptExtend;
  if (options.watermark !== undefined) parameters.watermark = options.watermark;
  if (options.shotType !== undefined) {
    if (!model.shotType)
      throw new InputError(
        'shotType',
        `${model.id} does not take a shot type; models that do: ${modelIdsWhere((m) => m.shotType)}`,
      );
    parameters.shot_type = options.shotType;
  }
  checkAudio(model, options);
  if (options.audio !== undefined) parameters.audio = options.audio;

  const input: CreateRequestBody['input'] = {
    ...(prompt !== undefined && prompt.trim() !== '' ? { prompt } : {}),
    ...(options.negativePrompt !== undefined && options.negativePrompt !== ''
      ? { negative_prompt: options.negativePrompt }
      : {}),
    ...inputBody(model, options, known),
  };
  const headers: Record<string, string> = {};
  // dashscope-api.md §1.3: any request referencing an oss:// URL must ask the service to resolve it
  // (the Python SDK sets the header for any oss:// input, uploaded by it or not).
  if (JSON.stringify(input).includes('"oss://')) headers['x-dashscope-ossresourceresolve'] = 'enable';

  const body = createRequestBodySchema.parse({ model: modelId, input, parameters });
  return {
    model,
    mode,
    path: `/services/aigc/${model.service}/video-synthesis`,
    body,
    headers,
    warnings,
    ...(shape.size ? { size: shape.size } : {}),
    tier: shape.tier,
    duration: options.duration ?? model.defaultDuration,
    inputSeconds: billedInputSeconds(model, options, known),
    region,
    silent: options.audio === false,
  };
}

/**
 * The model asked for, else the mode's default in the region; either must be offered in the
 * region and do the mode the inputs ask for.
 */
export function chooseModel(options: CreateTaskOptions, mode: Mode, region: Region): ModelInfo {
  if (options.model === undefined) {
    const fallback = mode === 't2v' ? findModel(DEFAULT_MODEL) : defaultModelFor(mode, region);
    if (!fallback?.ids[region]) throw new InputError('model', `no ${MODE_NAMES[mode]} model is offered in ${region}`);
    return fallback;
  }
  const model = findModel(options.model);
  if (!model)
    throw new InputError(
      'model',
      `unknown model "${options.model}"; allowed: ${allModelIds().join(', ')}`,
      allModelIds(),
    );
  if (!model.ids[region]) {
    const where = Object.keys(model.ids).join(', ');
    throw new InputError('model', `${options.model} is not offered in ${region}; it is offered in: ${where}`);
  }
  if (!model.modes.includes(mode) && mode === 't2v') {
    const needs = model.modes.map((m) => INPUT_FLAGS[m]).join(', or ');
    throw new InputError(INPUT_FIELDS[model.modes[0]!], `${model.id} makes videos from inputs: give ${needs}`);
  }
  if (!model.modes.includes(mode)) {
    const others = modelIdsWhere((m) => m.modes.includes(mode));
    throw new InputError(
      'model',
      `${model.id} does not make ${MODE_NAMES[mode]} videos (${model.modes.map((m) => MODE_NAMES[m]).join(', ')} only); models that do: ${others}`,
    );
  }
  return model;
}

/** How a CLI user gives each mode's inputs (the library's options have the same names, in camelCase). */
const INPUT_FLAGS: Record<Mode, string> = {
  t2v: 'a prompt',
  i2v: '--image <file|url> (the first frame)',
  kf2v: '--first-frame and --last-frame',
  r2v: '--reference <file|url> (repeatable)',
};

const INPUT_FIELDS: Record<Mode, string> = { t2v: 'prompt', i2v: 'image', kf2v: 'image', r2v: 'references' };

function checkAudio(model: ModelInfo, options: CreateTaskOptions): void {
  if (options.audio !== undefined) {
    // dashscope-api.md §3.1 and the API reference: a silent video is made by sending no audio_url and
    // `audio: false`; only some models with sound take the switch.
    if (!model.sound)
      throw new InputError(
        'audio',
        `${model.id} makes silent videos already; models with sound: ${modelIdsWhere((m) => m.sound)}`,
      );
    if (!model.audioSwitch)
      throw new InputError(
        'audio',
        `${model.id} always makes sound; models that can be silent: ${modelIdsWhere((m) => m.audioSwitch)}`,
      );
    if (options.audio === false && options.audioUrl !== undefined)
      throw new InputError('audio', 'a silent video takes no audio file: give --no-audio or --audio, not both');
  }
  if (options.audioUrl !== undefined && !model.audioUrl) {
    const what = model.sound ? 'takes no audio file' : 'makes silent videos and takes no audio file';
    throw new InputError('audioUrl', `${model.id} ${what}; models that do: ${modelIdsWhere((m) => m.audioUrl)}`);
  }
}

function warnIfLong(warnings: string[], what: string, text: string, max: number): void {
  const length = [...text].length;
  if (length > max)
    warnings.push(`the ${what} has ${length} characters; the service keeps the first ${max} and drops the rest`);
}
