import { MODELS, type ModelInfo } from '../api/catalogue.js';
import type { Region } from '../api/regions.js';
import { type Ratio, SIZE_TABLE, type Tier } from '../api/sizes.js';
import { URL_ERROR } from './error-codes.js';

/**
 * Checks a create body the way the service was observed to (dashscope-api.md §3, §5): malformed
 * requests are rejected at once with HTTP 400, but parameter VALUES the model does not allow (size,
 * duration, resolution, ratio) are accepted and the task fails later ([S23]: `size is not supported`).
 */

export interface CreateError {
  status: number;
  code: string;
  message: string;
}

/** A task-level failure decided at create time and shown when the task ends. */
export interface ValueError {
  code: string;
  message: string;
}

export interface CreateSpec {
  /** As the client sent it. */
  model: string;
  info: ModelInfo;
  prompt: string;
  negativePrompt?: string;
  parameters: Record<string, unknown>;
  size?: string;
  ratio?: string;
  duration: number;
  seed?: number;
  promptExtend: boolean;
  /** `input.audio_url`; its URL checks need the upload store, so they happen in the create route. */
  audioUrl?: string;
  valueError?: ValueError;
}

/** Which create path a request came in on (§1.2): kf2v models on image2video, all others on video-generation. */
export type CreateService = 'video-generation' | 'image2video';

export type CreateCheck = { ok: true; spec: CreateSpec } | { ok: false; error: CreateError };

const SEED_MAX = 2147483647;

const fail = (code: string, message: string): CreateCheck => ({ ok: false, error: { status: 400, code, message } });
const invalidParameter = (name: string) =>
  fail('InvalidParameter', `Required parameter(${name}) missing or invalid, please check the request parameters.`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** null is treated as absent: the Python SDK sends `null` for unset inputs (§3.1). */
const present = (v: unknown) => v !== undefined && v !== null;

/**
 * The model `id` names in `region`: only the id the catalogue lists for that region (§3.3: Beijing's
 * `wanx2.1-*` is Singapore's `wan2.1-*`; §1.1: the model must belong to the region), or a dated
 * snapshot of it (`wan2.7-t2v-2026-04-25`, §3.4), which behaves like its base model.
 */
export function resolveModel(id: string, region: Region): ModelInfo | undefined {
  const inRegion = (candidate: string) => MODELS.find((m) => m.ids[region] === candidate);
  const snapshot = /^(.+)-\d{4}-\d{2}-\d{2}$/.exec(id);
  return inRegion(id) ?? (snapshot ? inRegion(snapshot[1]!) : undefined);
}

/** Silent truncation by character (each Han character or letter counts 1, §3.1). */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join('');
}

/** `region`: the sandbox's region, whose model ids alone are known; `service`: the path posted to. */
export function validateCreate(
  rawBody: string,
  region: Region,
  service: CreateService = 'video-generation',
): CreateCheck {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  if (!isObject(body)) return fail('InvalidParameter', 'Required body invalid, please check the request body format.');

  const { model, input, parameters: rawParameters } = body;
  if (!present(model) || model === '')
    return fail('BadRequest.EmptyModel', 'Required parameter "model" missing from request.');
  // §1.2, §5, [S24]: a model posted to the other create path is refused with the live "url error"; the
  // SDK's rule for which path is which model's is whether the name contains `kf2v`.
  if (typeof model === 'string' && (service === 'image2video') !== model.includes('kf2v'))
    return fail('InvalidParameter', URL_ERROR);
  // A kf2v model on its own path ends here too: the sandbox serves text-to-video models only.
  // §1.1: UNCONFIRMED how a model of another region is refused; as an unknown model is, most likely.
  const info = typeof model === 'string' ? resolveModel(model, region) : undefined;
  if (typeof model !== 'string' || !info) return fail('InvalidParameter', 'Model not exist.');

  if (!present(input)) return fail('BadRequest.EmptyInput', 'Required input parameter missing from request.');
  if (!isObject(input)) return invalidParameter('input');
  const { prompt, negative_prompt: negativePrompt, audio_url: audioUrl } = input;
  if (typeof prompt !== 'string' || prompt.trim() === '') return invalidParameter('prompt');
  if (present(negativePrompt) && typeof negativePrompt !== 'string') return invalidParameter('negative_prompt');
  if (present(audioUrl) && (typeof audioUrl !== 'string' || audioUrl.trim() === ''))
    return invalidParameter('audio_url');

  if (present(rawParameters) && !isObject(rawParameters)) return invalidParameter('parameters');
  const parameters = isObject(rawParameters) ? rawParameters : {};

  const mixed = checkProtocol(info, parameters);
  if (mixed) return mixed;
  const typeError = checkTypes(parameters);
  if (typeError) return typeError;

  const duration = present(parameters.duration) ? (parameters.duration as number) : info.defaultDuration;
  const { size, ratio, valueError } = resolveSize(info, parameters);
  return {
    ok: true,
    spec: {
      model,
      info,
      prompt: truncate(prompt, info.promptMax),
      ...(typeof negativePrompt === 'string'
        ? { negativePrompt: truncate(negativePrompt, info.negativePromptMax) }
        : {}),
      parameters,
      ...(size !== undefined ? { size } : {}),
      ...(ratio !== undefined ? { ratio } : {}),
      duration,
      ...(present(parameters.seed) ? { seed: parameters.seed as number } : {}),
      promptExtend: parameters.prompt_extend !== false,
      ...(typeof audioUrl === 'string' ? { audioUrl: audioUrl.trim() } : {}),
      valueError:
        valueError ??
        (info.durations.includes(duration)
          ? undefined
          : { code: 'InvalidParameter', message: 'duration is not supported' }),
    },
  };
}

/** Legacy (`size`) and new (`resolution` + `ratio`) protocols must not be mixed (§3.4). */
function checkProtocol(info: ModelInfo, parameters: Record<string, unknown>): CreateCheck | undefined {
  const foreign = info.protocol === 'resolution' ? ['size'] : ['resolution', 'ratio'];
  const allowed = info.protocol === 'resolution' ? 'resolution and ratio' : 'size (W*H)';
  for (const name of foreign) {
    if (present(parameters[name])) {
      return fail(
        'InvalidParameter',
        `The parameter ${name} is not supported by model ${info.id}; use ${allowed} instead.`,
      );
    }
  }
  return undefined;
}

/** Wrong JSON types are request errors; wrong values of the right type are task errors. */
function checkTypes(parameters: Record<string, unknown>): CreateCheck | undefined {
  const expected: Record<string, 'string' | 'number' | 'boolean'> = {
    size: 'string',
    resolution: 'string',
    ratio: 'string',
    duration: 'number',
    seed: 'number',
    prompt_extend: 'boolean',
    watermark: 'boolean',
    shot_type: 'string',
    // §3.1: a boolean; tolerated on silent models (they stay silent), as the SDKs' extra fields are.
    audio: 'boolean',
  };
  for (const [name, type] of Object.entries(expected)) {
    const value = parameters[name];
    if (present(value) && typeof value !== type) return invalidParameter(name);
  }
  const seed = parameters.seed;
  if (typeof seed === 'number' && !(Number.isInteger(seed) && seed >= 0 && seed <= SEED_MAX))
    return invalidParameter('seed');
  return undefined;
}

function resolveSize(
  info: ModelInfo,
  parameters: Record<string, unknown>,
): { size?: string; ratio?: string; valueError?: ValueError } {
  const unsupported = (name: string): ValueError => ({ code: 'InvalidParameter', message: `${name} is not supported` });
  if (info.protocol === 'size') {
    const size = present(parameters.size) ? (parameters.size as string) : info.defaultSize!;
    return { size, ...(info.sizes.includes(size) ? {} : { valueError: unsupported('size') }) };
  }
  const resolution = present(parameters.resolution) ? (parameters.resolution as string) : info.defaultResolution!;
  const ratio = present(parameters.ratio) ? (parameters.ratio as string) : info.defaultRatio!;
  if (!(info.tiers as string[]).includes(resolution)) return { ratio, valueError: unsupported('resolution') };
  if (!(info.ratios as string[]).includes(ratio)) return { ratio, valueError: unsupported('ratio') };
  const size = SIZE_TABLE[resolution as Tier][ratio as Ratio];
  return size ? { size, ratio } : { ratio, valueError: unsupported('ratio') };
}
