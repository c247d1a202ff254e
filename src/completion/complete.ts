import type { Command, Option } from 'commander';
import { allModelIds, DEFAULT_MODEL, findModel, MODELS, type ModelInfo } from '../api/catalogue.js';
import { describeDurations } from '../api/create-request.js';
import { REGION_NAMES, type Region } from '../api/regions.js';
import { ratioOfSize, tierOfSize } from '../api/sizes.js';

/**
 * Shell completion, decided once in TypeScript for bash, zsh and fish (scripts.ts only relays):
 * what may come next on a `wan` command line. Pure: no config file, no network, no clock.
 */

/** One completion: the word to insert, and what zsh and fish show beside it. */
export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  /**
   * Let the shell complete file (or directory) names instead, e.g. after `-o`; after an input flag,
   * only the files of its kind (by extension) and directories.
   */
  files?: FileKind;
}

export interface CompleteOptions {
  /** The model assumed when the line names none (`WAN_MODEL`, else DEFAULT_MODEL). */
  defaultModel?: string;
}

/** The candidate values for the last word of `words` (see completionFor). */
export function complete(program: Command, words: string[], options: CompleteOptions = {}): string[] {
  return completionFor(program, words, options).candidates.map((c) => c.value);
}

/**
 * What may come at the end of `wan <words…>`: the last word is the one being completed. Commands
 * and flags come from the Commander program itself, so a new command or flag completes with no
 * change here; values come from the model catalogue.
 */
export function completionFor(program: Command, words: string[], options: CompleteOptions = {}): Completion {
  const current = words.length ? words[words.length - 1]! : '';
  const line = scan(program, words.slice(0, -1));
  const model = findModel(line.values.model ?? options.defaultModel ?? DEFAULT_MODEL);
  const region = REGION_NAMES.find((r) => r === line.values.region);
  const ctx: ValueContext = { model, region };

  if (line.pending) return valuesOf(line.pending, current, ctx);
  if (!line.afterDashDash && current.startsWith('--') && current.includes('=')) {
    const name = current.slice(0, current.indexOf('='));
    const option = findOption(line.command, line.program, name);
    if (!option || !takesValue(option)) return { candidates: [] };
    const values = valuesOf(option, current.slice(name.length + 1), ctx);
    return { candidates: values.candidates.map((c) => ({ ...c, value: `${name}=${c.value}` })) };
  }
  if (!line.afterDashDash && current.startsWith('-')) {
    const flags = optionsOf(line.command, line.program).flatMap((o) => flagCandidates(o, line.used));
    return { candidates: matching(flags, current) };
  }
  return positional(line, current);
}

interface ScannedLine {
  program: Command;
  command: Command;
  /** The option whose value is being typed. */
  pending?: Option;
  afterDashDash: boolean;
  positionals: string[];
  /** Values already given, by option attribute name (`model`, `region`). */
  values: Record<string, string>;
  /** Flags already on the line, not offered again. */
  used: Set<string>;
}

function scan(program: Command, words: string[]): ScannedLine {
  const line: ScannedLine = {
    program,
    command: program,
    afterDashDash: false,
    positionals: [],
    values: {},
    used: new Set(),
  };
  for (const word of words) {
    if (line.pending) {
      line.values[line.pending.attributeName()] = word;
      line.pending = undefined;
      continue;
    }
    if (line.afterDashDash || word === '-' || !word.startsWith('-')) {
      const sub = line.command === program && !line.afterDashDash ? findCommand(program, word) : undefined;
      if (sub) line.command = sub;
      else line.positionals.push(word);
      continue;
    }
    if (word === '--') {
      line.afterDashDash = true;
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const name = eq > 0 ? word.slice(0, eq) : word.startsWith('--') ? word : word.slice(0, 2);
    const option = findOption(line.command, program, name);
    if (!option) continue;
    line.used.add(option.long ?? name);
    if (!takesValue(option)) continue;
    const attached =
      eq > 0 ? word.slice(eq + 1) : !word.startsWith('--') && word.length > 2 ? word.slice(2) : undefined;
    if (attached !== undefined) line.values[option.attributeName()] = attached;
    else if (option.required) line.pending = option;
  }
  return line;
}

function positional(line: ScannedLine, current: string): Completion {
  const { command, program } = line;
  if (command === program) {
    const commands = program.createHelp().visibleCommands(program);
    return {
      candidates: matching(
        commands.map((c) => ({ value: c.name(), description: c.description() })),
        current,
      ),
    };
  }
  // Commander's implicit `help [command]`; main.ts also routes `wan help <topic>` to the topics.
  if (command.name() === 'help' && line.positionals.length === 0) {
    const names = program
      .createHelp()
      .visibleCommands(program)
      .filter((c) => c.name() !== 'help')
      .map((c) => ({ value: c.name(), description: c.description() }));
    return { candidates: matching([...helpTopics(program), ...names], current) };
  }
  const args = command.registeredArguments;
  const arg = args[line.positionals.length] ?? (args[args.length - 1]?.variadic ? args[args.length - 1] : undefined);
  if (!arg) return { candidates: [] };
  if (arg.argChoices)
    return {
      candidates: matching(
        arg.argChoices.map((value) => ({ value })),
        current,
      ),
    };
  return { candidates: [], files: pathKind(arg.name()) };
}

/** What paths the shell offers: all, directories, or the files an input flag takes. */
export type FileKind = 'any' | 'dirs' | 'images' | 'clips' | 'media' | 'audio';

/** The input flags, by the kind of file each takes. */
const INPUT_FILES: Record<string, FileKind> = {
  image: 'images',
  firstFrame: 'images',
  lastFrame: 'images',
  clip: 'clips',
  reference: 'media',
  audio: 'audio',
};

interface ValueContext {
  model?: ModelInfo;
  region?: Region;
}

function valuesOf(option: Option, current: string, ctx: ValueContext): Completion {
  const { model } = ctx;
  const name = option.attributeName();
  let candidates: Candidate[] | undefined;
  if (name === 'model') candidates = modelCandidates(ctx.region);
  else if (name === 'size') candidates = model?.protocol === 'size' ? sizeCandidates(model, current) : [];
  else if (name === 'duration')
    candidates = model
      ? model.durations.map((d) => ({
          value: String(d),
          description: d === model.defaultDuration ? 'seconds (default)' : 'seconds',
        }))
      : [];
  else if (name === 'resolution') candidates = model ? model.tiers.map((value) => ({ value })) : undefined;
  else if (name === 'ratio') candidates = model ? ratiosOf(model).map((value) => ({ value })) : undefined;
  candidates ??= option.argChoices?.map((value) => ({ value }));
  if (candidates) return { candidates: matching(candidates, current) };
  const arg = /<([^>]+)>/.exec(option.flags)?.[1] ?? '';
  return { candidates: [], files: INPUT_FILES[name] ?? pathKind(arg) };
}

function modelCandidates(region?: Region): Candidate[] {
  if (!region) return allModelIds().map((value) => ({ value, description: describeModel(findModel(value)) }));
  return MODELS.filter((m) => m.ids[region]).map((m) => ({ value: m.ids[region]!, description: describeModel(m) }));
}

function describeModel(model: ModelInfo | undefined): string | undefined {
  if (!model) return undefined;
  const sizes = model.protocol === 'size' ? model.tiers.join('/') : `${model.tiers.join('/')} × ratio`;
  return `${sizes}, ${describeDurations(model)} s, ${model.sound ? 'sound' : 'silent'}`;
}

/** `W*H` as the catalogue writes it, or `WxH` once the user has typed an `x` (no quoting needed). */
function sizeCandidates(model: ModelInfo, current: string): Candidate[] {
  const x = /^\d+([xX])/.exec(current.replace(/\\/g, ''))?.[1];
  return model.sizes.map((size) => ({
    value: x ? size.replace('*', x) : size,
    description: [tierOfSize(size), ratioOfSize(size), size === model.defaultSize ? 'default' : undefined]
      .filter(Boolean)
      .join(' '),
  }));
}

/** wan2.7 takes the ratio as it is; older models map it onto one of their sizes, so only those ratios work. */
function ratiosOf(model: ModelInfo): string[] {
  if (model.protocol === 'resolution') return model.ratios;
  return [...new Set(model.sizes.map(ratioOfSize).filter((r): r is NonNullable<typeof r> => r !== undefined))];
}

function flagCandidates(option: Option, used: Set<string>): Candidate[] {
  if (option.long && used.has(option.long) && !option.variadic) return [];
  return [option.long, option.short]
    .filter((f): f is string => Boolean(f))
    .map((value) => ({ value, description: option.description }));
}

/** The command's own visible options, then those of its parents (wan's global flags work after the command). */
function optionsOf(command: Command, program: Command): Option[] {
  const seen = new Set<string>();
  const out: Option[] = [];
  for (const c of command === program ? [program] : [command, program]) {
    for (const option of c.createHelp().visibleOptions(c)) {
      const key = option.long ?? option.short ?? option.flags;
      if (seen.has(key) || (c !== command && option.long === '--version')) continue;
      seen.add(key);
      out.push(option);
    }
  }
  return out;
}

function findOption(command: Command, program: Command, flag: string): Option | undefined {
  const found = (c: Command) => c.options.find((o) => o.long === flag || o.short === flag);
  return found(command) ?? found(program);
}

function findCommand(program: Command, name: string): Command | undefined {
  const commands = program.createHelp().visibleCommands(program);
  return commands.find((c) => c.name() === name || c.aliases().includes(name));
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function pathKind(argName: string): Completion['files'] {
  if (/dir/i.test(argName)) return 'dirs';
  if (/file|path/i.test(argName)) return 'any';
  return undefined;
}

/** Prefix match, ignoring the backslashes and opening quote a shell may still have on the word. */
function matching(candidates: Candidate[], current: string): Candidate[] {
  const prefix = current.replace(/^['"]/, '').replace(/\\/g, '');
  return candidates.filter((c) => c.value.startsWith(prefix));
}

/** Help topics: the hidden `help-topic` command's argument choices if it declares them, else the known names it accepts. */
function helpTopics(program: Command): Candidate[] {
  const topicCommand = program.commands.find((c) => c.name() === 'help-topic');
  const declared = topicCommand?.registeredArguments[0]?.argChoices;
  const names = declared ?? [];
  return names.map((value) => ({ value, description: 'help topic' }));
}
