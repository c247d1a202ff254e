import { Command } from 'commander';
import type { ResolvedConfig } from '../config/index.js';
import { maskKey } from '../config/mask.js';
import { formatDuration } from '../output/format.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function configCommand(app: App): Command {
  return new Command('config')
    .addHelpText(
      'after',
      examples('wan config', 'wan --profile ci config --json', 'wan config --json | jq -r .baseUrl'),
    )
    .action(action(app, runConfig));
}

export async function runConfig(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const rows = configRows(config);
  if (ctx.ui.json) {
    ctx.ui.resultJson({
      ...config.values,
      baseUrl: config.baseUrl,
      apiKey: config.apiKey ? maskKey(config.apiKey) : null,
      apiKeySource: config.apiKeySource ?? null,
      configFile: config.configFile ?? null,
      profile: config.profile ?? null,
      sources: Object.fromEntries(rows.map(([key, , source]) => [key, source])),
    });
    return 0;
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  for (const [key, value, source] of rows)
    ctx.ui.result(`${key.padEnd(width)}  ${value}  ${ctx.ui.out.dim(`(${source})`)}`);
  return 0;
}

/** Keys held in milliseconds, shown as durations. */
const DURATION_KEYS = new Set(['pollInterval', 'timeout', 'connectTimeout', 'requestTimeout', 'stallTimeout']);

function configRows(config: ResolvedConfig): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  for (const [key, value] of Object.entries(config.values)) {
    if (value === undefined) continue;
    const source = config.sources[key as keyof typeof config.values];
    const shown = DURATION_KEYS.has(key) ? formatDuration(value as number) : String(value);
    rows.push([key, shown, source ? `${source.kind}${source.detail ? ` ${source.detail}` : ''}` : 'default']);
  }
  if (!config.values.baseUrl) rows.push(['baseUrl', config.baseUrl, `region ${config.values.region}`]);
  rows.push([
    'apiKey',
    config.apiKey ? maskKey(config.apiKey) : '(none)',
    config.apiKeySource ?? 'not found: set DASHSCOPE_API_KEY',
  ]);
  if (config.configFile)
    rows.push(['configFile', config.configFile, config.profile ? `profile ${config.profile}` : 'found']);
  return rows;
}
