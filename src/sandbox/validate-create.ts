import { durationsIn, MODELS, type ModelInfo } from '../api/catalogue.js';
import type { Region } from '../api/regions.js';
import { type Ratio, SIZE_TABLE, type Tier } from '../api/sizes.js';
import { inputsOf, type MediaInput } from './create-inputs.js';
import { URL_ERROR } from './error-codes.js';
import type { VideoStills } from './video-spec.js';

/**
 * Checks a create body the way the service was observed to (dashscope-api.md §3, §5): malformed
 * requests are rejected at once with HTTP 400, but parameter VALUES the model does not allow (size,
 * duration, resolution, ratio) are accepted and the task fails later ([S23]: `size is not supported`).
 * Input files follow the same rule (create-inputs.ts, load-inputs.ts): the request's form is checked
 * here, what the files hold is found out once they are read, and a bad file fails the task.
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
  /** '' when the model takes no prompt and none was sent. */
  prompt: string;
  negativePrompt?: string;
  parameters: Record<string, unknown>;
  /** `W*H`; for models whose aspect follows the input it is filled in once the input is read. */
  size?: string;
  ratio?: string;
  /** Resolution-protocol models: the tier asked for (or the default). */
  resolution?: string;
  duration: number;
  seed?: number;
  promptExtend: boolean;
  /** `input.audio_url` or wan2.7's `driving_audio`; its URL checks need the upload store (create route). */
  audioUrl?: string;
  /** The images and videos to read (create-inputs.ts). */
  inputs: MediaInput[];
  /** What the video is painted from, once the inputs are read. */
  stills?: VideoStills;
  /** r2v: the reference clips' billed seconds, once read. */
  inputVideoSeconds?: number;
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
  // §1.1: UNCONFIRMED how a model of another region is refused; as an unknown model is, most likely.
  const info = typeof model === 'string' ? resolveModel(model, region) : undefined;
  // §1.2, §5, [S24]: a model posted to the other create path is refused with the live "url error". The
  // catalogue says which path is a model's; for ids it does not know, the SDKs' rule: `kf2v` in the name.
  const byName = typeof model === 'string' && model.includes('kf2v') ? 'image2video' : 'video-generation';
  if (service !== (info?.service ?? byName)) return fail('InvalidParameter', URL_ERROR);
  if (typeof model !== 'string' || !info) return fail('InvalidParameter', 'Model not exist.');

  if (!present(input)) return fail('BadRequest.EmptyInput', 'Required input parameter missing from request.');
  if (!isObject(input)) return invalidParameter('input');
  const { prompt, negative_prompt: negativePrompt, audio_url: audioUrl } = input;
  // §2.1, §3.1: image models take an optional prompt (the image says what to show); t2v and r2v need one.
  const noPrompt = typeof prompt !== 'string' || prompt.trim() === '';
  if (info.promptRequired ? noPrompt : present(prompt) && typeof prompt !== 'string') return invalidParameter('prompt');
  if (present(negativePrompt) && typeof negativePrompt !== 'string') return invalidParameter('negative_prompt');
  if (present(audioUrl) && (typeof audioUrl !== 'string' || audioUrl.trim() === ''))
    return invalidParameter('audio_url');
  const media = inputsOf(info, input);
  if ('code' in media) return fail(media.code, media.message);

  if (present(rawParameters) && !isObject(rawParameters)) return invalidParameter('parameters');
  const parameters = isObject(rawParameters) ? rawParameters : {};

  const mixed = checkProtocol(info, parameters);
  if (mixed) return mixed;
  const typeError = checkTypes(parameters);
  if (typeError) return typeError;

  const duration = present(parameters.duration) ? (parameters.duration as number) : info.defaultDuration;
  const { size, ratio, resolution, valueError } = resolveSize(info, parameters);
  // wan2.7's driving audio plays the part of audio_url; audio_url itself is not one of its inputs.
  const audio =
    info.shape === 'media' ? media.drivingAudio : typeof audioUrl === 'string' ? audioUrl.trim() : undefined;
  return {
    ok: true,
    spec: {
      model,
      info,
      prompt: typeof prompt === 'string' ? truncate(prompt, info.promptMax) : '',
      ...(typeof negativePrompt === 'string'
        ? { negativePrompt: truncate(negativePrompt, info.negativePromptMax) }
        : {}),
      parameters,
      ...(size !== undefined ? { size } : {}),
      ...(ratio !== undefined ? { ratio } : {}),
      ...(resolution !== undefined ? { resolution } : {}),
      duration,
      ...(present(parameters.seed) ? { seed: parameters.seed as number } : {}),
      promptExtend: parameters.prompt_extend !== false,
      ...(audio !== undefined ? { audioUrl: audio } : {}),
      inputs: media.inputs,
      valueError:
        valueError ??
        (durationsIn(info, region).includes(duration)
          ? undefined
          : { code: 'InvalidParameter', message: 'duration is not supported' }),
    },
  };
}

/**
 * Legacy (`size`) and new (`resolution` + `ratio`) protocols must not be mixed (§3.4). A model whose
 * aspect follows its input (no `ratios`) takes neither `size` nor `ratio`: modes.md §2.1 "the API does
 * not support setting the aspect ratio"; the service's reaction is UNCONFIRMED, and the sandbox treats
 * it as this same protocol mistake.
 */
function checkProtocol(info: ModelInfo, parameters: Record<string, unknown>): CreateCheck | undefined {
  const fromInput = info.protocol === 'resolution' && info.ratios.length === 0;
  const foreign = info.protocol === 'size' ? ['resolution', 'ratio'] : fromInput ? ['size', 'ratio'] : ['size'];
  const allowed =
    info.protocol === 'size'
      ? 'size (W*H)'
      : fromInput
        ? 'resolution (the aspect ratio follows the input)'
        : 'resolution and ratio';
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
): { size?: string; ratio?: string; resolution?: string; valueError?: ValueError } {
  const unsupported = (name: string): ValueError => ({ code: 'InvalidParameter', message: `${name} is not supported` });
  if (info.protocol === 'size') {
    const size = present(parameters.size) ? (parameters.size as string) : info.defaultSize!;
    return { size, ...(info.sizes.includes(size) ? {} : { valueError: unsupported('size') }) };
  }
  const resolution = present(parameters.resolution) ? (parameters.resolution as string) : info.defaultResolution!;
  const tierOk = (info.tiers as string[]).includes(resolution);
  // The aspect follows the input: the size is made from it once it is read (load-inputs.ts).
  if (info.ratios.length === 0) return { resolution, ...(tierOk ? {} : { valueError: unsupported('resolution') }) };
  const ratio = present(parameters.ratio) ? (parameters.ratio as string) : info.defaultRatio!;
  if (!tierOk) return { ratio, resolution, valueError: unsupported('resolution') };
  if (!(info.ratios as string[]).includes(ratio)) return { ratio, resolution, valueError: unsupported('ratio') };
  const size = SIZE_TABLE[resolution as Tier][ratio as Ratio];
  return size ? { size, ratio, resolution } : { ratio, resolution, valueError: unsupported('ratio') };
}
