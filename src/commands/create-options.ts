import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { CreateTaskOptions } from '../api/create-request.js';
import { RATIOS, TIERS } from '../api/sizes.js';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import type { IO } from '../output/io.js';
import { readLimited } from './read-limited.js';
import { UsageError } from './usage-error.js';

/** The flags `create` and `run` share (later `batch` too). */
export interface CreateFlags {
  model?: string;
  size?: string;
  resolution?: string;
  ratio?: string;
  duration?: string;
  negativePrompt?: string;
  audioUrl?: string;
  seed?: string;
  promptExtend?: boolean;
  watermark?: boolean;
  shotType?: string;
  promptFile?: string;
  dryRun?: boolean;
  maxCost?: string;
  idempotencyKey?: string;
  new?: boolean;
  audio?: string;
}

export function addCreateOptions(command: Command): Command {
  return command
    .option('--prompt-file <path>', 'read the prompt from a file (- for stdin)')
    .option('-m, --model <id>', 'model id (see wan models)')
    .option('-s, --size <W*H>', 'video size, e.g. 832*480 or 1280x720 (size-protocol models)')
    .addOption(new Option('--resolution <tier>', 'resolution tier').choices([...TIERS]))
    .addOption(new Option('--ratio <ratio>', 'aspect ratio').choices([...RATIOS]))
    .option('-d, --duration <seconds>', 'video length in seconds (see wan models)')
    .option('-n, --negative-prompt <text>', 'what the video should not contain')
    .option('--audio-url <url>', 'http(s):// or oss:// wav/mp3 (3–30 s) the video is synced to (wan2.5+)')
    .option('--audio <file>', 'a local wav/mp3 (3–30 s, ≤ 15 MB) to sync the video to: uploaded for you (wan2.5+)')
    .option('--seed <n>', 'random seed, 0–2147483647')
    .option('--prompt-extend', 'let the service rewrite the prompt (service default: on)')
    .option('--no-prompt-extend', 'send the prompt as written')
    .option('--watermark', 'add the "AI生成" mark (service default: off)')
    .option('--no-watermark', 'no watermark')
    .addOption(new Option('--shot-type <type>', 'single or multi shot (wan2.6-t2v)').choices(['single', 'multi']))
    .option('--max-cost <CNY>', 'refuse to create a task estimated to cost more (config maxCost)')
    .option('--idempotency-key <key>', 'reuse the task an earlier create with this key made, instead of paying again')
    .option('--new', 'with --idempotency-key: create even if an earlier attempt may have created a task')
    .option('--dry-run', 'print the request that would be sent, send nothing');
}

/** The create flags that are also config keys, for the flags > env > file merge. */
export function configFlagsOf(flags: CreateFlags): ConfigFlags {
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
  };
}

/** Merged config values + the flags that only exist on the command line → library options. */
export function createOptionsOf(prompt: string, flags: CreateFlags, config: ResolvedConfig): CreateTaskOptions {
  const v = config.values;
  return {
    prompt,
    model: v.model,
    size: v.size,
    resolution: v.resolution,
    ratio: v.ratio,
    duration: v.duration,
    negativePrompt: v.negativePrompt,
    seed: v.seed,
    promptExtend: v.promptExtend,
    watermark: v.watermark,
    audioUrl: flags.audioUrl,
    shotType: flags.shotType as CreateTaskOptions['shotType'],
  };
}

/** A prompt file is a short text: larger or binary files are a mistake, caught before sending. */
const MAX_PROMPT_FILE_BYTES = 100 * 1024;

export async function readPrompt(positional: string | undefined, flags: CreateFlags, io: IO): Promise<string> {
  if (positional !== undefined && flags.promptFile !== undefined) {
    throw new UsageError('give the prompt as an argument or with --prompt-file, not both', '--prompt-file');
  }
  if (flags.promptFile === undefined) {
    if (positional === undefined) throw new UsageError('missing prompt: wan create "a prompt" or --prompt-file <path>');
    return positional;
  }
  const tooLarge = () =>
    new UsageError(`stdin holds more than ${MAX_PROMPT_FILE_BYTES / 1024} KiB; that is not a prompt`, '--prompt-file');
  const raw =
    flags.promptFile === '-'
      ? await readLimited(io.stdin, MAX_PROMPT_FILE_BYTES, tooLarge)
      : await readPromptFile(path.resolve(io.cwd, flags.promptFile), flags.promptFile);
  if (raw.includes(0)) throw new UsageError(`${flags.promptFile} is a binary file, not a prompt`, '--prompt-file');
  const text = raw.toString('utf8').replace(/\s+$/, '');
  if (text.trim() === '') throw new UsageError(`${flags.promptFile} is empty`, '--prompt-file');
  return text;
}

async function readPromptFile(file: string, shown: string): Promise<Buffer> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new UsageError(`${shown} does not exist`, '--prompt-file');
  if (info.isDirectory()) throw new UsageError(`${shown} is a directory`, '--prompt-file');
  if (info.size > MAX_PROMPT_FILE_BYTES)
    throw new UsageError(
      `${shown} is ${info.size} bytes; a prompt file may hold at most ${MAX_PROMPT_FILE_BYTES / 1024} KiB`,
      '--prompt-file',
    );
  return readFile(file);
}
