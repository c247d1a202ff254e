import { Argument, Command } from 'commander';
import { UsageError } from '../api/errors/usage-error.js';
import { API_KEY_VAR, ENV_VARS, FLAG_NAMES, PROFILE_VAR } from '../config/index.js';
import { PROFILE_KEYS } from '../config/schema.js';
import { EXIT_CODE_TABLE } from '../output/exit-codes.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';
import { SANDBOX_HELP } from './sandbox.js';

const TOPICS: Record<string, () => string> = {
  'exit-codes': () =>
    [
      'Exit codes of every wan command:',
      ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
    ].join('\n'),
  config: () => configHelp(),
  environment: () =>
    [
      'DASHSCOPE_API_KEY             the API key (also: config apiKey, DASHSCOPE_API_KEY_FILE_PATH, ~/.dashscope/api_key)',
      'DASHSCOPE_API_KEY_FILE_PATH   a file holding the key',
      "DASHSCOPE_HTTP_BASE_URL       the API's base URL; DashScope's hosts also set the region (a gateway may add a path)",
      'WAN_REGION                    beijing | singapore | virginia',
      'WAN_MODEL, WAN_WORKSPACE, WAN_OUTPUT_DIR, WAN_POLL_INTERVAL, WAN_TIMEOUT, WAN_PROFILE',
      'WAN_STATE_DIR                 where wan keeps state (default $XDG_STATE_HOME/wan, ~/.local/state/wan)',
      'WAN_SANDBOX_PENDING, WAN_SANDBOX_RUNNING   task timings of the --sandbox server (default 1s, 4s)',
      'WAN_SANDBOX_FAULTS            faults for the sandbox, e.g. "query:status=503:times=2,video:reset=65536" (wan help sandbox)',
      'WAN_CONNECT_TIMEOUT, WAN_REQUEST_TIMEOUT, WAN_STALL_TIMEOUT, WAN_RETRIES, WAN_MAX_COST',
      'HTTPS_PROXY, HTTP_PROXY, NO_PROXY   proxies for the API, video and upload hosts (either case)',
      'GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY   step outputs, summary and annotations on GitHub Actions',
      'NO_COLOR, FORCE_COLOR         colour control; CI=true turns off spinners and bars',
    ].join('\n'),
  sandbox: () => SANDBOX_HELP.trim(),
};

export function helpTopicsCommand(app: App): Command {
  return new Command('topics')
    .name('help-topic')
    .description(`more help: ${Object.keys(TOPICS).join(', ')}`)
    .addArgument(new Argument('<topic>', 'the topic').choices(TOPIC_NAMES))
    .addHelpText('after', examples('wan help exit-codes', 'wan help config'))
    .action(action(app, runHelpTopic));
}

/** Every key of the config schema, with its flag and variable: generated, so it cannot drift. */
function configHelp(): string {
  const rows = PROFILE_KEYS.map((key) => {
    const flag = key === 'audio' ? '--no-audio' : FLAG_NAMES[key as keyof typeof FLAG_NAMES];
    const env = ENV_VARS[key as keyof typeof ENV_VARS] ?? (key === 'apiKey' ? API_KEY_VAR : undefined);
    const ways = [flag?.startsWith('--') ? flag : undefined, env].filter(Boolean).join(', ');
    return `  ${key.padEnd(16)}${ways}`;
  });
  return [
    'Configuration, highest priority first: flags > environment > config file (its --profile section, then its',
    'top level) > defaults. Files, searched from the working directory upward: .wanrc, .wanrc.json, .wanrc.yaml,',
    '.wanrc.yml, .wanrc.js, .wanrc.cjs, .wanrc.mjs, wan.config.js/.mjs/.cjs, package.json "wan"; then',
    '$XDG_CONFIG_HOME/wan/config.* (default ~/.config/wan/). --config <file> names one.',
    '',
    'Keys (with the flag and the environment variable that set them too):',
    ...rows,
    `  ${'profiles'.padEnd(16)}--profile, ${PROFILE_VAR}: named sets of the keys above`,
    '',
    'See .wanrc.example; wan config shows the result and where each value came from.',
  ].join('\n');
}

/** The topics of `wan help <topic>`. */
export const TOPIC_NAMES = ['exit-codes', 'config', 'environment', 'sandbox'];

export function isHelpTopic(name: string | undefined): boolean {
  return name !== undefined && name in TOPICS;
}

export async function runHelpTopic(ctx: CommandContext, topic: string): Promise<number> {
  const render = TOPICS[topic];
  if (!render) throw new UsageError(`no help topic "${topic}"; topics: ${Object.keys(TOPICS).join(', ')}`);
  ctx.ui.result(render());
  return 0;
}
