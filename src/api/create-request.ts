import * as z from 'zod/mini';
import './zod-english.js';
import {
  allModelIds,
  DEFAULT_MODEL,
  describeDurations,
  findModel,
  MODELS,
  type ModelInfo,
  sizeFor,
} from './catalogue.js';

export { describeDurations } from './catalogue.js';

import { InputError } from './errors/input-error.js';
import type { Region } from './regions.js';
import { type CreateRequestBody, createRequestBodySchema } from './schemas.js';
import { normalizeSize, RATIOS, type Ratio, ratioOfSize, SIZE_TABLE, TIERS, type Tier, tierOfSize } from './sizes.js';

/** What a caller asks for, in the library's camelCase; everything but the prompt is optional. */
export const createTaskOptionsSchema = z.object({
  prompt: z.string(),
  model: z.optional(z.string()),
  negativePrompt: z.optional(z.string()),
  /** `http(s)://` or `oss://` URL of a wav/mp3 (3–30 s, ≤ 15 MB); models with sound only. */
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
  body: CreateRequestBody;
  /** Extra headers the body needs (`X-DashScope-OssResourceResolve` for `oss://` inputs). */
  headers: Record<string, string>;
  /** Things the user should know that do not stop the request (truncation, renamed model ids). */
  warnings: string[];
  /** Output size (`W*H`) and tier the task will have, for messages and cost. */
  size: string;
  tier: Tier;
  duration: number;
  /** The region whose model id, prices and currency apply. */
  region: Region;
  /** `audio: false` was asked: a silent video (priced at the silent price where there is one). */
  silent: boolean;
}

const SEED_MAX = 2147483647;

/**
 * Checks options against the model catalogue and builds the exact request body, carrying only what
 * the caller set and only fields the model accepts. Throws InputError before anything is sent.
 */
export function buildCreateRequest(options: CreateTaskOptions, region: Region): CreateRequest {
  const warnings: string[] = [];
  const requested = options.model ?? DEFAULT_MODEL;
  const model = findModel(requested);
  if (!model)
    throw new InputError('model', `unknown model "${requested}"; allowed: ${allModelIds().join(', ')}`, allModelIds());
  const modelId = model.ids[region];
  if (!modelId) {
    const where = Object.keys(model.ids).join(', ');
    throw new InputError('model', `${requested} is not offered in ${region}; it is offered in: ${where}`);
  }
  if (modelId !== requested) warnings.push(`using ${modelId}, the ${region} id of ${requested}`);

  const prompt = options.prompt;
  if (prompt.trim() === '') throw new InputError('prompt', 'the prompt is empty');
  warnIfLong(warnings, 'prompt', prompt, model.promptMax);
  if (options.negativePrompt !== undefined)
    warnIfLong(warnings, 'negative prompt', options.negativePrompt, model.negativePromptMax);

  const parameters: CreateRequestBody['parameters'] = {};
  const shape = model.protocol === 'size' ? pickSize(model, options) : pickResolution(model, options);
  Object.assign(parameters, shape.parameters);

  if (options.duration !== undefined) {
    if (!Number.isInteger(options.duration) || !model.durations.includes(options.duration)) {
      throw new InputError(
        'duration',
        `${model.id} makes videos of ${describeDurations(model)} seconds; got ${options.duration}`,
        model.durations,
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
      throw new InputError('shotType', `${model.id} does not take a shot type; only wan2.6-t2v does`);
    parameters.shot_type = options.shotType;
  }

  if (options.audio !== undefined) {
    // dashscope-api.md §3.1 and the API reference: a silent video is made by sending no audio_url and
    // `audio: false`; sound models (wan2.5, wan2.6, wan2.7 t2v) add sound by default.
    if (!model.sound)
      throw new InputError('audio', `${model.id} makes silent videos already; models with sound: ${soundModels()}`);
    if (options.audio === false && options.audioUrl !== undefined) {
      throw new InputError('audio', 'a silent video takes no audio file: give --no-audio or --audio, not both');
    }
    parameters.audio = options.audio;
  }

  const input: CreateRequestBody['input'] = { prompt };
  if (options.negativePrompt !== undefined && options.negativePrompt !== '')
    input.negative_prompt = options.negativePrompt;
  const headers: Record<string, string> = {};
  if (options.audioUrl !== undefined) {
    if (!model.audioUrl)
      throw new InputError(
        'audioUrl',
        `${model.id} makes silent videos and takes no audio; models with sound: ${soundModels()}`,
      );
    if (!/^(https?|oss):\/\/\S+$/.test(options.audioUrl)) {
      throw new InputError(
        'audioUrl',
        `the audio URL must start with http://, https:// or oss://; got "${options.audioUrl}"`,
      );
    }
    input.audio_url = options.audioUrl;
    // dashscope-api.md §1.3: any request referencing an oss:// URL must ask the service to resolve it.
    if (options.audioUrl.startsWith('oss://')) headers['x-dashscope-ossresourceresolve'] = 'enable';
  }

  const body = createRequestBodySchema.parse({ model: modelId, input, parameters });
  return {
    model,
    body,
    headers,
    warnings,
    size: shape.size,
    tier: shape.tier,
    duration: options.duration ?? model.defaultDuration,
    region,
    silent: options.audio === false,
  };
}

interface Shape {
  parameters: CreateRequestBody['parameters'];
  size: string;
  tier: Tier;
}

function pickSize(model: ModelInfo, options: CreateTaskOptions): Shape {
  if (options.size !== undefined) {
    if (options.resolution !== undefined || options.ratio !== undefined) {
      throw new InputError('size', 'give either a size or a resolution and ratio, not both');
    }
    const size = normalizeSize(options.size);
    if (!model.sizes.includes(size)) {
      throw new InputError(
        'size',
        `${model.id} does not make ${options.size}; allowed: ${model.sizes.join(', ')}`,
        model.sizes,
      );
    }
    return { parameters: { size }, size, tier: tierOfSize(size)! };
  }
  if (options.resolution !== undefined || options.ratio !== undefined) {
    const defaultSize = model.defaultSize!;
    const resolution = options.resolution ?? tierOfSize(defaultSize)!;
    const ratio: Ratio = options.ratio ?? '16:9';
    const size = sizeFor(model, resolution, ratio);
    if (!size) {
      const field =
        options.resolution !== undefined && !model.tiers.includes(options.resolution) ? 'resolution' : 'ratio';
      const combos = model.sizes.map((s) => `${tierOfSize(s)} ${ratioOfSize(s)}`).join(', ');
      throw new InputError(
        field,
        `${model.id} has no ${resolution} ${ratio} size; allowed: ${combos}`,
        field === 'resolution' ? model.tiers : undefined,
      );
    }
    return { parameters: { size }, size, tier: resolution };
  }
  const size = model.defaultSize!;
  return { parameters: {}, size, tier: tierOfSize(size)! };
}

function pickResolution(model: ModelInfo, options: CreateTaskOptions): Shape {
  let { resolution, ratio } = options;
  if (options.size !== undefined) {
    if (resolution !== undefined || ratio !== undefined)
      throw new InputError('size', 'give either a size or a resolution and ratio, not both');
    // wan2.7 takes resolution + ratio; a table size maps onto them exactly.
    const size = normalizeSize(options.size);
    resolution = tierOfSize(size);
    ratio = ratioOfSize(size);
    if (!resolution || !ratio || !model.tiers.includes(resolution)) {
      throw new InputError(
        'size',
        `${model.id} takes --resolution (${model.tiers.join(', ')}) and --ratio (${model.ratios.join(', ')}), not size ${options.size}`,
      );
    }
  }
  if (resolution !== undefined && !model.tiers.includes(resolution)) {
    throw new InputError('resolution', `${model.id} makes ${model.tiers.join(', ')}; got ${resolution}`, model.tiers);
  }
  if (ratio !== undefined && !model.ratios.includes(ratio)) {
    throw new InputError('ratio', `${model.id} takes ratios ${model.ratios.join(', ')}; got ${ratio}`, model.ratios);
  }
  const parameters: CreateRequestBody['parameters'] = {};
  if (resolution !== undefined) parameters.resolution = resolution;
  if (ratio !== undefined) parameters.ratio = ratio;
  const tier = resolution ?? model.defaultResolution!;
  const size = SIZE_TABLE[tier][ratio ?? model.defaultRatio!]!;
  return { parameters, size, tier };
}

function warnIfLong(warnings: string[], what: string, text: string, max: number): void {
  const length = [...text].length;
  if (length > max)
    warnings.push(`the ${what} has ${length} characters; the service keeps the first ${max} and drops the rest`);
}

function soundModels(): string {
  return MODELS.filter((m) => m.audioUrl)
    .map((m) => m.id)
    .join(', ');
}
