import type { Command } from 'commander';
import type { App } from './context.js';

type CommandFactory = (app: App) => Command;

/**
 * The commands of `wan --help`, in that order, each behind a dynamic import: `wan status …` loads
 * the status command's module and what it imports, not the other fourteen (start-up time; the
 * bundle keeps each command in chunks of its own).
 */
export const COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  run: async () => (await import('./run.js')).runCommand,
  create: async () => (await import('./create.js')).createCommand,
  batch: async () => (await import('./batch.js')).batchCommand,
  status: async () => (await import('./status.js')).statusCommand,
  wait: async () => (await import('./wait.js')).waitCommand,
  download: async () => (await import('./download.js')).downloadCommand,
  list: async () => (await import('./list.js')).listCommand,
  cancel: async () => (await import('./cancel.js')).cancelCommand,
  sweep: async () => (await import('./sweep.js')).sweepCommand,
  upload: async () => (await import('./upload.js')).uploadCommand,
  models: async () => (await import('./models.js')).modelsCommand,
  config: async () => (await import('./config.js')).configCommand,
  sandbox: async () => (await import('./sandbox.js')).sandboxCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  completion: async () => (await import('./completion.js')).completionCommand,
};

/** Hidden commands: only in the full program (`__complete` walks all of it to complete a line). */
export const HIDDEN_COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  'help-topic': async () => (await import('./help-topics.js')).helpTopicsCommand,
  __complete: async () => (await import('./completion.js')).completeCommand,
};

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
