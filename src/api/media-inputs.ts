import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildCreateRequest, type CreateRequest, type CreateTaskOptions, chooseModel } from './create-request.js';
import { InputError } from './errors/input-error.js';
import { bufferSource, inspectFile, inspectMedia, type MediaInfo } from './media-file.js';
import { REGIONS, type Region } from './regions.js';
import { modeOf } from './request-media.js';

/** An input as a caller gives it: a URL (`http(s)://`, `oss://`, `data:`), a local file's path, or its bytes. */
export type MediaSource = string | Uint8Array;

/** The inputs of a request, in any of those forms. */
export interface MediaInputs {
  /** The first frame. */
  image?: MediaSource;
  lastFrame?: MediaSource;
  clip?: MediaSource;
  references?: MediaSource[];
  /** A wav/mp3 to sync the video to (sent as `audio_url`, or wan2.7's `driving_audio`). */
  audioSource?: MediaSource;
}

/** Request options whose inputs may be local files (see CreateTaskOptions for the rest). */
export type VideoOptions = Omit<CreateTaskOptions, 'image' | 'lastFrame' | 'clip' | 'references' | 'audioUrl'> &
  MediaInputs;

/** What the sidecar records of each local input: never its bytes. */
export interface InputFile {
  role: 'first_frame' | 'last_frame' | 'clip' | 'reference' | 'audio';
  name: string;
  bytes: number;
  sha256: string;
}

/** Sends a local file to the temporary-upload service and returns its `oss://` URL. */
export type Uploader = (file: { name: string; mime: string; data: Buffer }, model: string) => Promise<string>;

export interface PreparedRequest {
  /**
   * The request checked, priced and journaled, with a stand-in URL for each local file (what
   * `--dry-run` shows: the file's name and size, never its bytes).
   */
  request: CreateRequest;
  inputs: InputFile[];
  /**
   * The body with each local file's stand-in replaced by its SHA-256: what identifies the request
   * (renaming or moving a file does not make it another request; editing it does).
   */
  identityBody: unknown;
  /** The request to send: local files read again (they must not have changed), then inlined or uploaded. */
  send(upload: Uploader): Promise<CreateRequest>;
}

/**
 * A small image goes inside the request as a `data:` URL, where the model's field takes one: no
 * upload round trips, nothing stored for 48 hours. Larger images, clips and sound are uploaded:
 * the create request is the one call wan never retries blindly, and a body of tens of megabytes
 * would make it slow and fragile. Where the region has no upload service, images go inline at any
 * size the model takes.
 */
export const DATA_URL_MAX_BYTES = 1024 * 1024;

type Field = 'image' | 'lastFrame' | 'clip' | 'references' | 'audioUrl';

const ROLES: Record<Field, InputFile['role']> = {
  image: 'first_frame',
  lastFrame: 'last_frame',
  clip: 'clip',
  references: 'reference',
  audioUrl: 'audio',
};

interface LocalInput {
  field: Field;
  name: string;
  source: { path: string } | { data: Uint8Array };
  info: MediaInfo;
  sha256: string;
  via: 'data' | 'upload';
  standIn: string;
}

/**
 * Reads every local input (its header and its SHA-256), checks the request against the catalogue
 * and the model's limits, and decides how each file travels; nothing is sent. `cwd`: where
 * relative paths start.
 */
export async function prepareRequest(options: VideoOptions, region: Region, cwd: string): Promise<PreparedRequest> {
  const { image, lastFrame, clip, references, audioSource, ...rest } = options;
  const local: LocalInput[] = [];
  const known = new Map<string, MediaInfo & { name: string }>();
  const slots: { field: Field; source: MediaSource }[] = [
    ...(image !== undefined ? [{ field: 'image' as const, source: image }] : []),
    ...(lastFrame !== undefined ? [{ field: 'lastFrame' as const, source: lastFrame }] : []),
    ...(clip !== undefined ? [{ field: 'clip' as const, source: clip }] : []),
    ...(references ?? []).map((source) => ({ field: 'references' as const, source })),
    ...(audioSource !== undefined ? [{ field: 'audioUrl' as const, source: audioSource }] : []),
  ];
  const urls = slots.map(({ source }, i) => (typeof source === 'string' && isUrl(source) ? source : `local:${i}`));
  // The model the inputs make for (only which inputs there are matters): it decides how each file travels.
  const presence = withUrls(rest, slots, urls);
  const model = chooseModel(presence, modeOf(presence), region);
  for (const [i, slot] of slots.entries()) {
    if (typeof slot.source === 'string' && isUrl(slot.source)) continue;
    const input = await readLocal(slot.field, slot.source, cwd);
    const inline =
      (slot.field === 'image' || slot.field === 'lastFrame') &&
      model.images?.dataUrl === true &&
      input.info.kind === 'image' &&
      (input.info.bytes <= DATA_URL_MAX_BYTES || !REGIONS[region].uploads);
    if (!inline && !REGIONS[region].uploads) {
      throw new InputError(
        slot.field,
        `the ${region} region has no upload service for local files; give a public http(s) URL of ${input.name} instead`,
      );
    }
    const standIn = inline
      ? `data:${input.info.mime};base64,<${input.name}: ${input.info.bytes} bytes, sent inline>`
      : `oss://uploaded-when-sent/${i + 1}/${encodeURIComponent(input.name)}`;
    urls[i] = standIn;
    known.set(standIn, { ...input.info, name: input.name });
    local.push({ ...input, via: inline ? 'data' : 'upload', standIn });
  }
  const request = buildCreateRequest(withUrls(rest, slots, urls), region, known);
  let identityBody = JSON.stringify(request.body);
  for (const l of local)
    identityBody = identityBody.split(JSON.stringify(l.standIn)).join(JSON.stringify(`sha256:${l.sha256}`));
  return {
    request,
    identityBody: JSON.parse(identityBody),
    inputs: local.map((l) => ({ role: ROLES[l.field], name: l.name, bytes: l.info.bytes, sha256: l.sha256 })),
    send: async (upload) => {
      if (local.length === 0) return request;
      const sent = [...urls];
      const sentKnown = new Map(known);
      for (const input of local) {
        const data = await readAgain(input);
        const url =
          input.via === 'data'
            ? `data:${input.info.mime};base64,${data.toString('base64')}`
            : await upload({ name: input.name, mime: input.info.mime, data }, request.body.model);
        for (const [i, u] of urls.entries()) if (u === input.standIn) sent[i] = url;
        sentKnown.set(url, { ...input.info, name: input.name });
      }
      return buildCreateRequest(withUrls(rest, slots, sent), region, sentKnown);
    },
  };
}

/** URLs: what is sent as it is. Anything else is a local path (`file://` too is a path's spelling). */
export function isUrl(source: string): boolean {
  return /^(https?|oss):\/\//i.test(source) || /^data:/i.test(source);
}

function withUrls(
  rest: Omit<VideoOptions, keyof MediaInputs>,
  slots: { field: Field }[],
  urls: string[],
): CreateTaskOptions {
  const options: CreateTaskOptions = { ...rest };
  for (const [i, { field }] of slots.entries()) {
    if (field === 'references') options.references = [...(options.references ?? []), urls[i]!];
    else options[field] = urls[i]!;
  }
  return options;
}

async function readLocal(
  field: Field,
  source: string | Uint8Array,
  cwd: string,
): Promise<Omit<LocalInput, 'via' | 'standIn'>> {
  if (typeof source !== 'string') {
    const info = await inspectMedia(bufferSource(source));
    if (!info) throw notMedia(field, 'the given bytes');
    const sha256 = createHash('sha256').update(source).digest('hex');
    return { field, name: `${ROLES[field]}.${info.format}`, source: { data: source }, info, sha256 };
  }
  const file = path.resolve(cwd, source.replace(/^file:\/\//i, ''));
  const name = path.basename(file);
  const stats = await stat(file).catch(() => undefined);
  if (!stats) throw new InputError(field, `${source} does not exist`);
  if (!stats.isFile()) throw new InputError(field, `${source} is not a file`);
  const info = await inspectFile(file);
  if (!info) throw notMedia(field, name);
  return { field, name, source: { path: file }, info, sha256: await sha256OfFile(file) };
}

function notMedia(field: Field, name: string): InputError {
  const what: Record<Field, string> = {
    audioUrl: 'neither WAV nor MP3 (by its content); the service takes .wav and .mp3',
    clip: 'not an MP4 or MOV clip (by its content)',
    references: 'neither an image nor a clip (by its content); allowed: JPEG, PNG, BMP, WebP, MP4, MOV',
    image: 'not an image (by its content); allowed: JPEG, PNG, BMP, WebP',
    lastFrame: 'not an image (by its content); allowed: JPEG, PNG, BMP, WebP',
  };
  return new InputError(field, `${name} is ${what[field]}`);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The bytes to send, which must be those checked: a file edited since is refused, not sent. */
async function readAgain(input: LocalInput): Promise<Buffer> {
  const data =
    'path' in input.source
      ? await readFile(input.source.path)
      : Buffer.from(input.source.data.buffer, input.source.data.byteOffset, input.source.data.byteLength);
  if (createHash('sha256').update(data).digest('hex') !== input.sha256) {
    throw new InputError(input.field, `${input.name} changed after it was checked; nothing was sent, run again`);
  }
  return data;
}
