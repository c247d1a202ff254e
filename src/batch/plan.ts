import path from 'node:path';
import type { CreateRequest } from '../api/create-request.js';
import { InputError } from '../api/errors/input-error.js';
import { type InputFile, isUrl, prepareRequest, type Uploader, type VideoOptions } from '../api/media-inputs.js';
import type { Region } from '../api/regions.js';
import { fitDefaults, modeOf } from '../api/request-media.js';
import { requestIdentity } from '../tasks/create.js';
import type { BatchEntry, LineError, LineFields } from './input.js';
import { lineKey } from './key.js';
import { defaultFileName } from './slug.js';

/** A valid line, ready to send: the exact request, its idempotency key and where its video goes. */
export interface PlannedLine {
  line: number;
  prompt: string;
  key: string;
  request: CreateRequest;
  /** The line's local files (their names, sizes and SHA-256), read and sent just before its task is created. */
  inputs: InputFile[];
  /** The request to send, local files inlined or uploaded: called only when a new task is sent. */
  send: (upload: Uploader) => Promise<CreateRequest>;
  /** What identifies the line's request (see requestIdentity). */
  identity: string;
  /** Absolute path of the video. */
  file: string;
}

export interface PlanInput {
  entries: BatchEntry[];
  /** The batch file's absolute path, or `stdin`: part of every derived key. */
  source: string;
  /** Where a line's relative file paths start: the batch file's directory (or the cwd for stdin). */
  baseDir: string;
  /** Absolute. */
  outputDir: string;
  /** The command's flags and config, applied to every line (a line's own fields win). */
  defaults: Omit<VideoOptions, 'prompt'>;
  /** The region whose models, limits and upload service apply. */
  region: Region;
  /** Where the command's own relative paths (`--audio`) start. */
  cwd: string;
}

export interface Plan {
  lines: PlannedLine[];
  errors: LineError[];
  /** Each distinct warning of prepareCreate (truncated prompt, …) and the lines it concerns. */
  warnings: Map<string, number[]>;
}

/**
 * Checks every line against the catalogue and the others (keys and files must be unique) and
 * builds its request, before anything is sent. Errors are collected, not thrown, so all of them
 * can be shown at once.
 */
export async function planBatch(input: PlanInput): Promise<Plan> {
  const lines: PlannedLine[] = [];
  const errors: LineError[] = [];
  const warnings = new Map<string, number[]>();
  const keys = new Map<string, number>();
  const files = new Map<string, number>();
  const occurrences = new Map<string, number>();
  for (const { line, fields } of input.entries) {
    const fail = (field: string | undefined, message: string) =>
      errors.push({ line, ...(field ? { field } : {}), message });
    let request: CreateRequest;
    let inputs: InputFile[];
    let send: PlannedLine['send'];
    let identityBody: unknown;
    try {
      ({ request, inputs, send, identityBody } = await prepareRequest(
        mergeOptions(input, fields),
        input.region,
        input.baseDir,
      ));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fail(lineField(err.field, fields), err.message);
      continue;
    }
    for (const warning of request.warnings) warnings.set(warning, [...(warnings.get(warning) ?? []), line]);

    const identity = requestIdentity(request, { identityBody, inputs });
    const occurrence = occurrences.get(identity) ?? 0;
    occurrences.set(identity, occurrence + 1);
    const key = fields.key ?? lineKey(input.source, identity, occurrence);
    const sameKey = keys.get(key);
    if (sameKey !== undefined) fail('key', `the same idempotency key as line ${sameKey}; each line needs its own`);
    keys.set(key, line);

    const name = fields.output ?? defaultFileName(line, fields.prompt ?? inputName(fields));
    const bad = badOutputName(name);
    if (bad) {
      fail('output', bad);
      continue;
    }
    const file = path.resolve(input.outputDir, name);
    const sameFile = files.get(file);
    if (sameFile !== undefined) fail('output', `${name} is also line ${sameFile}'s file`);
    files.set(file, line);
    if (sameKey === undefined && sameFile === undefined) {
      lines.push({ line, prompt: fields.prompt ?? '', key, request, inputs, send, identity, file });
    }
  }
  return { lines, errors, warnings };
}

/**
 * The flags' values with the line's on top. A line that names its own shape (`size`, or
 * `resolution`/`ratio`) or its own audio drops the defaults' other form, which would conflict.
 * A line's relative paths start at the batch file's directory; the flags' at the working directory.
 */
function mergeOptions(input: PlanInput, fields: LineFields): VideoOptions {
  const defaults: Omit<VideoOptions, 'prompt'> = { ...input.defaults };
  if (defaults.audioSource !== undefined && typeof defaults.audioSource === 'string' && !isUrl(defaults.audioSource))
    defaults.audioSource = path.resolve(input.cwd, defaults.audioSource);
  if (fields.size !== undefined) {
    delete defaults.resolution;
    delete defaults.ratio;
  }
  if (fields.resolution !== undefined || fields.ratio !== undefined) delete defaults.size;
  const {
    output: _output,
    key: _key,
    audio: lineAudio,
    audioUrl,
    firstFrame,
    image,
    lastFrame,
    clip,
    references,
    ...own
  } = fields;
  if (lineAudio !== undefined || audioUrl !== undefined) {
    // The line's own sound (or silence) replaces the flags'.
    delete defaults.audioSource;
    delete defaults.audio;
  }
  if (image !== undefined && firstFrame !== undefined)
    throw new InputError('image', 'image and firstFrame are the same input: give one');
  if (lineAudio !== undefined && lineAudio !== false && audioUrl !== undefined)
    throw new InputError('audio', 'give audio or audioUrl, not both');
  const local = (file: string) => (isUrl(file) ? file : path.resolve(input.baseDir, file));
  const line: Partial<VideoOptions> = stripUndefined({
    ...own,
    image: (image ?? firstFrame) !== undefined ? local((image ?? firstFrame)!) : undefined,
    lastFrame: lastFrame !== undefined ? local(lastFrame) : undefined,
    clip: clip !== undefined ? local(clip) : undefined,
    references: references?.map(local),
    audioSource: typeof lineAudio === 'string' ? local(lineAudio) : audioUrl !== undefined ? audioUrl : undefined,
  });
  if (lineAudio === false) line.audio = false;
  // The command's model and shape are for the lines they fit (a line's own are checked as given).
  return { ...fitDefaults(defaults, modeOf(line)), ...line } as VideoOptions;
}

/** The line's own name for a library field: its sound is `audio` unless it said `audioUrl`. */
function lineField(field: string, fields: LineFields): string {
  if (field === 'audioUrl') return fields.audioUrl !== undefined ? 'audioUrl' : 'audio';
  if (field === 'image' && fields.firstFrame !== undefined) return 'firstFrame';
  return field;
}

/** A line without a prompt is named after its first input. */
function inputName(fields: LineFields): string {
  const first = fields.image ?? fields.firstFrame ?? fields.clip ?? fields.references?.[0] ?? '';
  return path.parse(first.split(/[?#]/, 1)[0]!).name;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An output name stays inside --output-dir. */
function badOutputName(name: string): string | undefined {
  if (path.isAbsolute(name) || /^[a-zA-Z]:/.test(name))
    return `"${name}" must be a file name under --output-dir, not an absolute path`;
  if (name.split(/[\\/]/).includes('..')) return `"${name}" must stay under --output-dir (no "..")`;
  if (name.endsWith('/') || name.endsWith('\\')) return `"${name}" names a directory, not a file`;
  if (/[\0\r\n]/.test(name)) return `"${name}" contains a control character`;
  return undefined;
}
