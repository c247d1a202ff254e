import { constants, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../api/errors/usage-error.js';
import type { VideoOptions } from '../api/media-inputs.js';
import { fitDefaults, modeOf } from '../api/request-media.js';
import { RATIOS, TIERS } from '../api/sizes.js';
import type { ResolvedConfig } from '../config/index.js';
import type { IO } from '../output/io.js';
import { readLimited } from '../output/read-limited.js';
import type { CommandConfigFlags } from './context.js';

/** The flags `create` and `run` share (`batch` takes those that apply to every line). */
export interface CreateFlags {
  model?: string;
  size?: string;
  resolution?: string;
  ratio?: string;
  duration?: string;
  negativePrompt?: string;
  /** A local wav/mp3 or an http(s)/oss URL; `false` is `--no-audio`. */
  audio?: string | false;
  audioUrl?: string;
  seed?: string;
  promptExtend?: boolean;
  watermark?: boolean;
  shotType?: string;
  image?: string;
  firstFrame?: string;
  lastFrame?: string;
  clip?: string;
  reference?: string[];
  promptFile?: string;
  dryRun?: boolean;
  maxCost?: string;
  idempotencyKey?: string;
  new?: boolean;
}

/** The options every command that creates tasks takes; `create`/`run` add the prompt and the key. */
export function addRequestOptions(command: Command): Command {
  return command
    .option('-m, --model <id>', 'model id (see wan models)')
    .option('-s, --size <W*H>', "video size, e.g. '832*480' or 832x480 (models that take a size)")
    .addOption(new Option('--resolution <tier>', 'resolution tier (any case)').choices([...TIERS]).argParser(tier))
    .addOption(new Option('--ratio <ratio>', 'aspect ratio').choices([...RATIOS]))
    .option('-d, --duration <seconds>', 'video length in seconds (see wan models)')
    .option('-n, --negative-prompt <text>', 'what the video should not contain')
    .option('--audio <file|url>', 'sound to sync the video to: a local wav/mp3 (3–30 s, uploaded for you) or a URL')
    .option('--no-audio', 'a silent video from a model that makes sound (config audio: false)')
    .addOption(new Option('--audio-url <url>', 'same as --audio <url>').hideHelp())
    .option('--seed <n>', 'random seed, 0–2147483647')
    .option('--prompt-extend', 'let the service rewrite the prompt (service default: on)')
    .option('--no-prompt-extend', 'send the prompt as written')
    .option('--watermark', 'add the "AI生成" mark (service default: off)')
    .option('--no-watermark', 'no watermark')
    .addOption(new Option('--shot-type <type>', 'single or multi shot (wan2.6-t2v)').choices(['single', 'multi']));
}

/** The inputs of the other modes (create and run; a batch line names its own). */
export function addMediaOptions(command: Command): Command {
  return command
    .option('--image <file|url>', 'image-to-video: the first frame (JPEG, PNG, BMP or WebP; a file or a URL)')
    .option('--first-frame <file|url>', 'the same as --image; with --last-frame: first-and-last-frame video')
    .option('--last-frame <file|url>', 'the last frame (with --first-frame, or with --clip on wan2.7-i2v)')
    .option(
      '--reference <file|url>',
      'reference-to-video: an image or clip of a character, called character1, character2, … in the prompt (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--clip <file|url>', 'wan2.7-i2v: a clip (MP4/MOV, 2–10 s) for the video to continue');
}

export function addCreateOptions(command: Command): Command {
  return addMediaOptions(
    addRequestOptions(command.option('--prompt-file <path>', 'read the prompt from a file (- for stdin)')),
  )
    .option('--max-cost <amount>', "refuse to create a task estimated to cost more, in the region's currency")
    .option('--idempotency-key <key>', 'reuse the task an earlier create with this key made, instead of paying again')
    .option('--new', 'create a new task even if an earlier attempt may have made one')
    .option('--dry-run', 'print the request that would be sent (every header, the key redacted); send nothing');
}

/** Commander's choices are exact; the service's tiers are upper case, and `480p` means `480P`. */
function tier(value: string): string {
  const upper = value.toUpperCase();
  if (!(TIERS as readonly string[]).includes(upper)) {
    throw new InvalidArgumentError(`Allowed choices are ${TIERS.join(', ')} (any case).`);
  }
  return upper;
}

/** The create flags that are also config keys, for the flags > env > file merge. */
export function configFlagsOf(flags: CreateFlags): CommandConfigFlags {
  return {
    model: flags.model,
    size: flags.size,
    resolution: flags.resolution,
    ratio: flags.ratio,
    duration: flags.duration,
    negativePrompt: flags.negativePrompt,
    seed: flags.seed,
    promptExtend: flags.promptExtend,
    watermark: flags.watermark,
    maxCost: flags.maxCost,
    ...(flags.audio === false ? { audio: false } : {}),
  };
}

/**
 * An unquoted `--size 832*480` is a glob: when a file matches, the shell passes its name instead
 * (zsh, by default, stops with "no matches found"). A size that names a file here is that.
 */
export function checkSizeFlag(size: string | undefined, cwd: string): void {
  if (size === undefined || /^\d+[xX*]\d+$/.test(size) || !existsSync(path.resolve(cwd, size))) return;
  throw new UsageError(
    `"${size}" is a file name, not a size: the shell expanded an unquoted * (as in 832*480); quote it: --size '832*480', or write 832x480`,
    '--size',
  );
}

/** The sound the user gave: a local file or a URL (`--audio`, `--audio-url`); `--no-audio` gives none. */
export function audioSourceOf(flags: CreateFlags): string | undefined {
  if (flags.audio !== undefined && flags.audio !== false && flags.audioUrl !== undefined) {
    throw new UsageError('give --audio or --audio-url, not both', '--audio');
  }
  if (flags.audio === false && flags.audioUrl !== undefined) {
    throw new UsageError('a silent video takes no audio file: give --no-audio or --audio-url, not both', '--audio');
  }
  return flags.audio === false ? undefined : (flags.audio ?? flags.audioUrl);
}

/** Whether the flags give an image or a clip, which make the prompt optional. */
export function hasImageInput(flags: CreateFlags): boolean {
  return [flags.image, flags.firstFrame, flags.clip].some((f) => f !== undefined);
}

/**
 * Merged config values + the flags that only exist on the command line → library options. The
 * config's `model`, `size` and `ratio` are defaults for text-to-video: with an image they apply
 * only where they fit (a model that does the mode; for the size, its resolution tier).
 */
export function optionsFromFlags(prompt: string | undefined, flags: CreateFlags, config: ResolvedConfig): VideoOptions {
  const v = config.values;
  if (flags.image !== undefined && flags.firstFrame !== undefined) {
    throw new UsageError('--image and --first-frame are the same input: give one', '--first-frame');
  }
  const image = flags.image ?? flags.firstFrame;
  const media = {
    ...(image !== undefined ? { image } : {}),
    ...(flags.lastFrame !== undefined ? { lastFrame: flags.lastFrame } : {}),
    ...(flags.clip !== undefined ? { clip: flags.clip } : {}),
    ...(flags.reference !== undefined ? { references: flags.reference } : {}),
  };
  // The config's (and environment's) model and shape are defaults: they give way where they do
  // not fit the mode; the command line's are checked as given.
  const shape = Object.entries({ model: v.model, size: v.size, resolution: v.resolution, ratio: v.ratio });
  const typed = ([key]: [string, unknown]) => config.sources[key as 'model']?.kind === 'flag';
  const given = Object.fromEntries(shape.filter(typed));
  const defaults = Object.fromEntries(shape.filter((entry) => !typed(entry)));
  const audioSource = audioSourceOf(flags);
  return {
    ...(prompt !== undefined ? { prompt } : {}),
    ...media,
    ...fitDefaults(defaults, modeOf(media)),
    ...given,
    duration: v.duration,
    negativePrompt: v.negativePrompt,
    seed: v.seed,
    promptExtend: v.promptExtend,
    watermark: v.watermark,
    // A sound file or URL on the command line wins over `audio: false` from the config.
    audio: audioSource !== undefined ? undefined : v.audio,
    ...(audioSource !== undefined ? { audioSource } : {}),
    shotType: flags.shotType as VideoOptions['shotType'],
  };
}

/** A prompt is a short text: larger or binary input is a mistake, caught before sending. */
const MAX_PROMPT_BYTES = 100 * 1024;

/**
 * The prompt: the argument; else `--prompt-file` (a regular file, or `-` for stdin); else stdin when
 * it is not a terminal (`echo "a cat" | wan create`, `wan run -`). Reads stop at 100 KiB and on Ctrl-C.
 */
export async function readPrompt(
  positional: string | undefined,
  flags: CreateFlags,
  io: IO,
  command: string,
): Promise<string | undefined> {
  // With an image, the prompt is optional: none given is none sent.
  const optional = hasImageInput(flags);
  if (positional !== undefined && positional !== '-' && flags.promptFile !== undefined) {
    throw new UsageError('give the prompt as an argument or with --prompt-file, not both', '--prompt-file');
  }
  const source =
    positional === '-' ? '-' : (flags.promptFile ?? (positional === undefined && !io.stdin.isTTY ? '-' : undefined));
  const missing = () =>
    new UsageError(`missing prompt: wan ${command} "a prompt", or --prompt-file <path>, or the prompt on stdin`);
  if (source === undefined) {
    if (positional === undefined && !optional) throw missing();
    return positional;
  }
  const shown = source === '-' ? 'stdin' : source;
  const raw = source === '-' ? await readStdin(io) : await readPromptFile(path.resolve(io.cwd, source), source);
  if (raw.includes(0)) throw new UsageError(`${shown} is a binary file, not a prompt`, '--prompt-file');
  const text = raw.toString('utf8').replace(/\s+$/, '');
  if (text.trim() === '') {
    if (flags.promptFile === undefined && optional) return undefined;
    if (flags.promptFile === undefined) throw missing();
    throw new UsageError(`${shown} is empty`, '--prompt-file');
  }
  return text;
}

async function readStdin(io: IO): Promise<Buffer> {
  return readLimited(
    io.stdin,
    MAX_PROMPT_BYTES,
    io.signal,
    () => new UsageError(`stdin holds more than ${MAX_PROMPT_BYTES / 1024} KiB; that is not a prompt`, '--prompt-file'),
  );
}

/** Only a regular file: a FIFO without a writer would block forever, /dev/zero would never end. */
async function readPromptFile(file: string, shown: string): Promise<Buffer> {
  // Non-blocking: opening a FIFO without a writer would otherwise wait forever, before any check.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      err.code === 'ENOENT' ? `${shown} does not exist` : `cannot read ${shown}: ${err.code}`,
      '--prompt-file',
    );
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new UsageError(
        `${shown} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}; give a text file, or - for stdin`,
        '--prompt-file',
      );
    }
    if (info.size > MAX_PROMPT_BYTES) {
      throw new UsageError(
        `${shown} is ${info.size} bytes; a prompt file may hold at most ${MAX_PROMPT_BYTES / 1024} KiB`,
        '--prompt-file',
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
