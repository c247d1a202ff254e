import { Command } from 'commander';
import { describeDurations, type ModelInfo, PRICE_CURRENCY, PRICE_DATE } from '../api/catalogue.js';
import { REGION_NAMES, type Region } from '../api/regions.js';
import { renderTable } from '../output/table.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';
import { modelsIn, modelsJson } from './models-listing.js';
import { UsageError } from './usage-error.js';

export function modelsCommand(app: App): Command {
  return new Command('models')
    .description('show what each model accepts: sizes, durations, sound, prompt limits, prices')
    .addHelpText('after', examples('wan models', 'wan models --region singapore', 'wan models --json | jq -r ".[].id"'))
    .action(action(app, runModels));
}

/** With the global --region, only the models offered there, under their ids there. */
export async function runModels(ctx: CommandContext): Promise<number> {
  const region = regionFlag(ctx.flags.region);
  if (ctx.ui.json) {
    ctx.ui.resultJson(modelsJson(region));
    return 0;
  }
  const models = modelsIn(region);
  const rows = models.map((m) => [
    region ? m.ids[region]! : m.id,
    m.protocol === 'size' ? m.tiers.join('/') : `${m.tiers.join('/')} × ${m.ratios.join(' ')}`,
    `${describeDurations(m)}s`,
    `${m.fps}`,
    m.sound ? (m.audioUrl ? 'auto or file' : 'auto') : 'silent',
    `${m.promptMax}`,
    priceText(m, region),
  ]);
  ctx.ui.result(
    renderTable(
      ['MODEL', 'SIZES', 'DURATION', 'FPS', 'SOUND', 'PROMPT', `PRICE ${PRICE_CURRENCY}/s`],
      rows,
      ctx.ui.out,
    ),
  );
  if (!ctx.ui.options.quiet) {
    ctx.ui.result('');
    for (const m of models) {
      const sizes =
        m.protocol === 'size'
          ? `sizes ${m.sizes.join(' ')} (default ${m.defaultSize})`
          : `--resolution ${m.tiers.join('|')} (default ${m.defaultResolution}), --ratio ${m.ratios.join('|')} (default ${m.defaultRatio})`;
      ctx.ui.result(
        `${m.id}: ${sizes}; regions ${Object.entries(m.ids)
          .map(([r, id]) => (id === m.id ? r : `${r} (${id})`))
          .join(', ')}`,
      );
    }
    ctx.ui.result(`\nPrices per second of video as of ${PRICE_DATE}; failed tasks are not billed.`);
  }
  return 0;
}

function priceText(model: ModelInfo, region?: Region): string {
  const regions = region ? [region] : (['beijing'] as Region[]);
  const prices = model.prices[regions[0]!];
  if (!prices) return '–';
  return Object.entries(prices)
    .map(([tier, price]) => `${tier} ${price}`)
    .join(', ');
}

function regionFlag(value: string | undefined): Region | undefined {
  if (value === undefined) return undefined;
  if (!(REGION_NAMES as readonly string[]).includes(value))
    throw new UsageError(`"${value}" is not a region; allowed: ${REGION_NAMES.join(', ')}`, '--region');
  return value as Region;
}
