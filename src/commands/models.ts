import { Command } from 'commander';
import { describeDurations, MODELS, type ModelInfo, PRICE_DATE, priceCurrency } from '../api/catalogue.js';
import { DEFAULT_REGION, type Region } from '../api/regions.js';
import { renderTable } from '../output/table.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function modelsCommand(app: App): Command {
  return new Command('models')
    .addHelpText(
      'after',
      `${examples('wan models', 'wan models --region singapore', 'wan models --json | jq -r ".[].id"')}
Without a region (--region, WAN_REGION, config, or the base URL's host) every model is listed,
priced in Beijing; with one, the models offered there, under their ids and in the currency there.
`,
    )
    .action(action(app, runModels));
}

export async function runModels(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const chosen = config.sources.region?.kind !== 'default' ? config.values.region : undefined;
  const region = chosen ?? DEFAULT_REGION;
  const models = chosen ? MODELS.filter((m) => m.ids[chosen]) : MODELS;
  if (ctx.ui.json) {
    ctx.ui.resultJson(
      models.map((m) => ({ ...m, region, priceCurrency: priceCurrency(region), priceDate: PRICE_DATE })),
    );
    return 0;
  }
  const rows = models.map((m) => [
    m.ids[region] ?? m.id,
    m.protocol === 'size' ? m.tiers.join('/') : `${m.tiers.join('/')} × ${m.ratios.join(' ')}`,
    `${describeDurations(m)}s`,
    `${m.fps}`,
    m.sound ? 'auto, --audio or --no-audio' : 'silent',
    `${m.promptMax}`,
    priceText(m, region),
  ]);
  ctx.ui.result(
    renderTable(
      ['MODEL', 'SIZES', 'DURATION', 'FPS', 'SOUND', 'PROMPT', `${priceCurrency(region)}/s (${region})`],
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
      const regions = Object.entries(m.ids)
        .map(([r, id]) => (id === m.id ? r : `${r} (${id})`))
        .join(', ');
      ctx.ui.result(`${m.id}: ${sizes}; regions ${regions}`);
    }
    ctx.ui.result(`\nPrices per second of video as of ${PRICE_DATE}; failed tasks are not billed.`);
  }
  return 0;
}

function priceText(model: ModelInfo, region: Region): string {
  const prices = model.prices[region];
  if (!prices) return '–';
  return Object.entries(prices)
    .map(([tier, price]) => `${tier} ${price}`)
    .join(', ');
}
