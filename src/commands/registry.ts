import type { Command } from 'commander';
import type { App } from './context.js';

type CommandFactory = (app: App) => Command;

/** A command as `wan --help` lists it, and where its module is. */
export interface CommandEntry {
  /** Its line in `wan --help` and the first line of its own help. */
  summary: string;
  /** What follows its name in that list, as Commander derives it from the module (a test checks they agree). */
  args: string;
  load: () => Promise<CommandFactory>;
}

/**
 * The commands of `wan --help`, in that order, each behind a dynamic import: `wan status …` loads
 * the status command's module and what it imports, not the other fourteen, and `wan --help` loads
 * none (start-up time; the bundle keeps each command in a chunk of its own).
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: {
    summary: 'create a video, wait for it and download it: the whole job in one command',
    args: '[options] [prompt]',
    load: async () => (await import('./run.js')).runCommand,
  },
  create: {
    summary: 'create a video task and print its id (does not wait)',
    args: '[options] [prompt]',
    load: async () => (await import('./create.js')).createCommand,
  },
  batch: {
    summary:
      'make a video for every line of a file (JSON Lines or one prompt per line): paced to the limits, resumable, never paid twice',
    args: '[options] <file>',
    load: async () => (await import('./batch.js')).batchCommand,
  },
  status: {
    summary: 'show where a task is: status, times, failure reason, video expiry',
    args: '[task-id]',
    load: async () => (await import('./status.js')).statusCommand,
  },
  wait: {
    summary: 'poll tasks until they finish, then download their videos',
    args: '[options] [task-id...]',
    load: async () => (await import('./wait.js')).waitCommand,
  },
  download: {
    summary: "save a finished task's video (by task id or signed video URL), resumable and verified",
    args: '[options] [task-id-or-url]',
    load: async () => (await import('./download.js')).downloadCommand,
  },
  list: {
    summary: "list the account's tasks of the last 24 hours, with what wan knows of them (prompt, file)",
    args: '[options]',
    load: async () => (await import('./list.js')).listCommand,
  },
  cancel: {
    summary: 'cancel tasks that are still PENDING (the only state the service can cancel)',
    args: '<task-id...>',
    load: async () => (await import('./cancel.js')).cancelCommand,
  },
  sweep: {
    summary:
      'download every finished task wan created that is not downloaded yet, before its URL expires (never waits)',
    args: '[options]',
    load: async () => (await import('./sweep.js')).sweepCommand,
  },
  upload: {
    summary: 'upload a local image, clip or wav/mp3 and print its oss:// URL (valid 48 h, for that model only)',
    args: '[options] <file>',
    load: async () => (await import('./upload.js')).uploadCommand,
  },
  models: {
    summary: 'show what each model accepts: modes, sizes, durations, sound, inputs, prices',
    args: '[options]',
    load: async () => (await import('./models.js')).modelsCommand,
  },
  config: {
    summary: 'show the resolved configuration and where each value came from (the key is masked)',
    args: '',
    load: async () => (await import('./config.js')).configCommand,
  },
  sandbox: {
    summary: 'run a local stand-in for the DashScope API (offline trials, tests, CI)',
    args: '[options]',
    load: async () => (await import('./sandbox.js')).sandboxCommand,
  },
  doctor: {
    summary: 'check the setup (key, endpoint, network, proxy, clock, output directory) and say how to fix it',
    args: '',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  completion: {
    summary: 'print a shell completion script for bash, zsh or fish',
    args: '<shell>',
    load: async () => (await import('./completion.js')).completionCommand,
  },
};

/** Hidden commands: only in the full program (`__complete` walks all of it to complete a line). */
export const HIDDEN_COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  'help-topic': async () => (await import('./help-topics.js')).helpTopicsCommand,
  __complete: async () => (await import('./completion.js')).completeCommand,
};

/**
 * Which commands a run of `argv` needs loaded: the one it runs (or `help <command>` shows), none
 * when it names no command at all (`wan --help`, `wan --version`: the list needs only the
 * summaries), and all of them when in doubt.
 */
export function commandsNeeded(root: Command, argv: readonly string[]): readonly string[] | 'all' {
  if (argv[0] === 'help') return argv[1] !== undefined && Object.hasOwn(COMMANDS, argv[1]) ? [argv[1]] : [];
  const named = commandNamed(root, argv);
  if (named) return [named];
  return argv.every((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V') ? [] : 'all';
}

/**
 * The command `argv` runs: its first argument that is neither one of `root`'s options nor such an
 * option's value, if that is a name in COMMANDS. Undefined when in doubt (an option `root` does
 * not have, a cluster like `-qV`, `--`): the full program then parses and reports as ever.
 */
export function commandNamed(root: Command, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : undefined;
    const [flag, inlineValue] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), true] : [arg, false];
    const option = root.options.find((o) => o.long === flag || o.short === flag);
    if (!option || option.optional || (inlineValue && !option.required)) return undefined;
    if (option.required && !inlineValue) i++; // its value, whatever it looks like (as Commander takes it)
  }
  return undefined;
}
