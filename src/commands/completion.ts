import { Argument, Command } from 'commander';
// The scripts are plain strings; the completion logic (and the catalogue) loads only for __complete.
import { completionScript, SHELLS, type Shell } from '../completion/scripts.js';
import type { IO } from '../output/io.js';
import type { App } from './context.js';
import { examples } from './help-text.js';

const INSTALL_HELP = `
Prints a script that completes wan's commands and flags, model names, and the
sizes, durations, resolutions and ratios of the model on the line (-m/--model,
else WAN_MODEL, else the default model). The script asks wan itself
(wan __complete), so it never goes stale.

Install:
  bash  source <(wan completion bash)        # in ~/.bashrc; or once, with
                                             # the bash-completion package:
        wan completion bash > ~/.local/share/bash-completion/completions/wan
  zsh   wan completion zsh > "\${fpath[1]}/_wan"     # then open a new shell
        # or in ~/.zshrc, after compinit: source <(wan completion zsh)
  fish  wan completion fish > ~/.config/fish/completions/wan.fish
`;

export function completionCommand(app: App): Command {
  return new Command('completion')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      INSTALL_HELP +
        examples(
          'wan completion bash > ~/.local/share/bash-completion/completions/wan',
          'wan completion zsh > "${fpath[1]}/_wan"',
          'wan completion fish > ~/.config/fish/completions/wan.fish',
        ),
    )
    .action((shell: Shell) => {
      app.io.stdout.write(completionScript(shell));
      app.exitCode = 0;
    });
}

/**
 * `wan __complete -- <words…>`: the words after `wan` up to the cursor (the last one is the word
 * being completed, possibly empty), one candidate per line as `value` or `value<TAB>description`,
 * then `:files`, `:dirs` or `:images`/`:clips`/`:media`/`:audio` when the shell should complete paths. Hidden. Reads no config file and
 * opens no connection: it runs on every Tab.
 */
export function completeCommand(app: App): Command {
  return new Command('__complete')
    .description('print completions for the words after wan (used by the completion scripts)')
    .argument('[words...]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (words: string[], _flags: unknown, command: Command) => {
      const { completionFor } = await import('../completion/complete.js');
      const program = command.parent ?? command;
      const completion = completionFor(program, words, { defaultModel: modelFromEnv(app.io) });
      const lines = completion.candidates.map((c) =>
        c.description ? `${c.value}\t${oneLine(c.description)}` : c.value,
      );
      if (completion.files) lines.push(completion.files === 'any' ? ':files' : `:${completion.files}`);
      if (lines.length) app.io.stdout.write(`${lines.join('\n')}\n`);
      app.exitCode = 0;
    });
}

function modelFromEnv(io: IO): string | undefined {
  const value = io.env.WAN_MODEL?.trim();
  return value ? value : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
