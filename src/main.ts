import { Command, CommanderError, Help, Option } from 'commander';
import { UsageError } from './api/errors/usage-error.js';
import { REGION_NAMES } from './api/regions.js';
import { VERSION } from './api/version.js';
import { type App, defaultServices, type Services } from './commands/context.js';
import { examples } from './commands/help-text.js';
import { COMMANDS, commandsNeeded, HIDDEN_COMMANDS } from './commands/registry.js';
import { closest } from './config/suggest.js';
import type { IO } from './output/io.js';
import { reportError } from './output/report-error.js';
import { Ui } from './output/ui.js';

/**
 * The whole program: parses `argv` (without node and script), runs one command and returns its
 * exit code. It never exits the process, so tests call it in-process with a fake IO.
 */
export async function main(argv: string[], io: IO, services: Partial<Services> = {}): Promise<number> {
  const app: App = { io, services: { ...defaultServices, ...services }, exitCode: 0 };
  const args = argv[0] === 'help' && (await isHelpTopic(argv[1])) ? ['help-topic', ...argv.slice(1)] : argv;
  try {
    if (argv.includes('--json') && argv.some((a) => a === '--version' || a === '-V')) {
      io.stdout.write(`${JSON.stringify({ version: VERSION })}\n`);
      return 0;
    }
    if (args[0] === 'help' && args[1] !== undefined && !Object.hasOwn(COMMANDS, args[1])) {
      const topics = (await import('./commands/help-topics.js')).TOPIC_NAMES;
      const guess = closest(args[1], [...Object.keys(COMMANDS), ...topics]);
      throw new UsageError(
        `no command or help topic "${args[1]}"${guess ? ` (did you mean ${guess}?)` : ''}; topics: ${topics.join(', ')}; commands: wan --help`,
      );
    }
    const program = await buildProgram(app, args);
    await program.parseAsync(args, { from: 'user' });
    return app.exitCode;
  } catch (err) {
    if (
      err instanceof CommanderError &&
      (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
    )
      return 0;
    const ui = new Ui(io, {
      json: argv.includes('--json'),
      quiet: false,
      debug: argv.includes('--debug'),
      noColor: argv.includes('--no-color'),
    });
    return reportError(err, ui);
  }
}

/** `wan help <topic>` runs the hidden help-topic command; the topics load only for `wan help …`. */
async function isHelpTopic(name: string | undefined): Promise<boolean> {
  return name !== undefined && (await import('./commands/help-topics.js')).isHelpTopic(name);
}

/**
 * The Commander program. With the `argv` to run, when that names a command (after nothing but
 * global flags), the program has just that command: it parses, runs and prints its help exactly
 * as in the full program, since Commander looks only at a command and its parents. Otherwise (no
 * command, an unknown one, `help`, `__complete`) it has them all: its help and errors list them.
 */
export async function buildProgram(app: App, argv?: readonly string[]): Promise<Command> {
  const { io } = app;
  const program = new Command('wan')
    .description(
      "Alibaba Cloud Model Studio's Wan video models from the command line (text, image, first and last frame, reference): create, wait, download — safely",
    )
    .version(VERSION, '-V, --version')
    .option('--json', 'machine-readable JSON on stdout (errors as JSON on stderr)')
    .option('-q, --quiet', 'no progress or information on stderr (warnings and errors still show)')
    .option('--debug', 'show the HTTP exchange on stderr (the key is redacted)')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .addOption(
      new Option('--region <region>', "API region (default: the base URL's, else beijing)").choices([...REGION_NAMES]),
    )
    .option(
      '--base-url <url>',
      'API base URL, e.g. https://dashscope-intl.aliyuncs.com/api/v1 (DASHSCOPE_HTTP_BASE_URL)',
    )
    .option('--profile <name>', 'use this profile of the config file (WAN_PROFILE)')
    .option('--config <file>', 'read this config file instead of searching')
    .option('--sandbox', 'run against a local sandbox started in this process: no key, no network')
    .addHelpText(
      'after',
      `${examples(
        'wan --sandbox run "a paper boat in the rain" -o boat.mp4',
        'wan run "a red panda surfing at sunset" --size \'832*480\' -o panda.mp4',
        'id=$(wan create "a lighthouse in a storm") && wan wait "$id" -o storm.mp4',
        'wan status "$id" --json',
      )}\nMore help: wan help exit-codes | config | environment | sandbox\n`,
    );
  configure(program, io);
  const needed = argv ? commandsNeeded(program, argv) : 'all';
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command =
      needed === 'all' || needed.includes(name)
        ? (await entry.load())(app)
        : // Listed in help and in "unknown command" suggestions, never run (see commandsNeeded).
          new Command(name);
    program.addCommand(configure(command.description(entry.summary), io));
  }
  if (needed === 'all') {
    const hidden = await Promise.all(Object.values(HIDDEN_COMMANDS).map((load) => load()));
    for (const command of hidden) program.addCommand(configure(command(app), io), { hidden: true });
  }
  return program;
}

/** Commander wraps help to the terminal's width; this one when stdout is not a terminal. */
export const HELP_WIDTH_OFF_TERMINAL = 80;

/** Commander throws instead of exiting and writes to our streams; its own error text is reported by main. */
function configure(command: Command, io: IO): Command {
  return (
    command
      .exitOverride()
      .showSuggestionAfterError(true)
      // A command's help lists the global options it accepts too, as gh shows inherited flags.
      .configureHelp({ showGlobalOptions: true, subcommandTerm })
      .configureOutput({
        writeOut: (s) => io.stdout.write(s),
        writeErr: (s) => io.stderr.write(s),
        outputError: () => {},
        getOutHelpWidth: () => helpWidth(io.stdout.columns),
        getErrHelpWidth: () => helpWidth(io.stderr.columns),
        getOutHasColors: () => false,
        getErrHasColors: () => false,
      })
  );
}

/** A command's line in `wan --help`, from the registry: the list shows commands that are not loaded. */
function subcommandTerm(command: Command): string {
  const entry = Object.hasOwn(COMMANDS, command.name()) ? COMMANDS[command.name()] : undefined;
  return entry ? `${command.name()} ${entry.args}`.trim() : Help.prototype.subcommandTerm.call(new Help(), command);
}

/** A terminal of unknown or tiny width gets the width help has off a terminal. */
function helpWidth(columns: number | undefined): number {
  return columns !== undefined && columns >= 40 ? columns : HELP_WIDTH_OFF_TERMINAL;
}
