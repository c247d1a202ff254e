import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkAudioFile } from '../api/audio-file.js';
import type { CreateRequest, CreateTaskOptions } from '../api/create-request.js';
import { InputError } from '../api/errors/input-error.js';
import { requestIdentity } from '../tasks/create.js';
import type { InputFile } from '../tasks/save-video.js';
import type { BatchEntry, LineError, LineFields } from './input.js';
import { lineKey } from './key.js';
import { defaultFileName } from './slug.js';

/** A valid line, ready to send: the exact request, its idempotency key and where its video goes. */
export interface PlannedLine {
  line: number;
  prompt: string;
  key: string;
  request: CreateRequest;
  /** What the request was built from; rebuilt with the upload's URL when `audioFile` is set. */
  options: CreateTaskOptions;
  /** A local audio file to upload just before the line is sent (absolute path), and its content. */
  audioFile?: string;
  inputs: InputFile[];
  /** What identifies the line's request (see requestIdentity). */
  identity: string;
  /** Absolute path of the video. */
  file: string;
}

export interface PlanInput {
  entries: BatchEntry[];
  /** The batch file's absolute path, or `stdin`: part of every derived key. */
  source: string;
  /** Where a line's relative `audio` path starts: the batch file's directory (or the cwd for stdin). */
  baseDir: string;
  /** Absolute. */
  outputDir: string;
  /** The command's flags and config, applied to every line (a line's own fields win). */
  defaults: Omit<CreateTaskOptions, 'prompt'>;
  /** `--audio`, absolute. */
  defaultAudio?: string;
  /** Builds and checks a request against the catalogue (`WanClient#prepareCreate`); throws InputError. */
  prepare: (options: CreateTaskOptions) => CreateRequest;
  /** Throws InputError where the region has no upload service for local files. */
  checkUploads: () => void;
}

export interface Plan {
  lines: PlannedLine[];
  errors: LineError[];
  /** Each distinct warning of prepareCreate (truncated prompt, …) and the lines it concerns. */
  warnings: Map<string, number[]>;
}

/** The stand-in URL a request with a local audio file is checked with before its upload exists. */
export const AUDIO_PLACEHOLDER = 'oss://uploaded-when-sent';

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
    let options: CreateTaskOptions;
    let audio: string | undefined;
    const inputs: InputFile[] = [];
    try {
      ({ options, audio } = mergeOptions(input, fields));
      request = input.prepare(audio ? { ...options, audioUrl: AUDIO_PLACEHOLDER } : options);
      if (audio) {
        input.checkUploads();
        const info = await checkAudioFile(audio);
        inputs.push({ name: path.basename(audio), bytes: info.bytes, sha256: await sha256Of(audio) });
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fail(err.field, err.message);
      continue;
    }
    for (const warning of request.warnings) warnings.set(warning, [...(warnings.get(warning) ?? []), line]);

    const identity = requestIdentity(
      request,
      inputs.map((i) => i.sha256),
    );
    const occurrence = occurrences.get(identity) ?? 0;
    occurrences.set(identity, occurrence + 1);
    const key = fields.key ?? lineKey(input.source, identity, occurrence);
    const sameKey = keys.get(key);
    if (sameKey !== undefined) fail('key', `the same idempotency key as line ${sameKey}; each line needs its own`);
    keys.set(key, line);

    const name = fields.output ?? defaultFileName(line, fields.prompt);
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
      lines.push({
        line,
        prompt: fields.prompt,
        key,
        request,
        options,
        identity,
        inputs,
        file,
        ...(audio ? { audioFile: audio } : {}),
      });
    }
  }
  return { lines, errors, warnings };
}

/**
 * The flags' values with the line's on top. A line that names its own shape (`size`, or
 * `resolution`/`ratio`) or its own audio drops the defaults' other form, which would conflict.
 */
function mergeOptions(input: PlanInput, fields: LineFields): { options: CreateTaskOptions; audio?: string } {
  const defaults: Omit<CreateTaskOptions, 'prompt'> = { ...input.defaults };
  let audio = input.defaultAudio;
  if (fields.size !== undefined) {
    delete defaults.resolution;
    delete defaults.ratio;
  }
  if (fields.resolution !== undefined || fields.ratio !== undefined) delete defaults.size;
  const { output: _output, key: _key, audio: lineAudio, ...own } = fields;
  if (lineAudio !== undefined || fields.audioUrl !== undefined) {
    // The line's own sound (or silence) replaces the flags'.
    delete defaults.audioUrl;
    delete defaults.audio;
    audio = undefined;
  }
  const line: Partial<CreateTaskOptions> = stripUndefined(own);
  if (lineAudio === false) line.audio = false;
  else if (typeof lineAudio === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(lineAudio)) line.audioUrl = lineAudio;
  else if (typeof lineAudio === 'string') audio = path.resolve(input.baseDir, lineAudio);
  const options = { ...defaults, ...line } as CreateTaskOptions;
  if (audio && options.audioUrl !== undefined) throw new InputError('audio', 'give audio or audioUrl, not both');
  return { options, ...(audio ? { audio } : {}) };
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

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
