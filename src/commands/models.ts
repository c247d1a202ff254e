import { Command, Option } from 'commander';
import {
  describeDurations,
  MODELS,
  MODES,
  type Mode,
  type ModelInfo,
  PRICE_DATE,
  priceCurrency,
} from '../api/catalogue.js';
import { DEFAULT_REGION, type Region } from '../api/regions.js';
import type { Tier } from '../api/sizes.js';
import { renderTable } from '../output/table.js';
import { type App, action, type CommandContext } from './context.js';
import { examples } from './help-text.js';

export function modelsCommand(app: App): Command {
  return new Command('models')
    .addHelpText(
      'after',
      `${examples('wan models', 'wan models --mode i2v', 'wan models --region singapore', 'wan models --json | jq -r ".[].id"')}
Modes: t2v text-to-video, i2v image-to-video (first frame), kf2v first and last frame, r2v reference-to-video.
Without a region (--region, WAN_REGION, config, or the base URL's host) every model is listed,
priced in Beijing; with one, the models offered there, under their ids and in the currency there.
`,
    )
    .addOption(new Option('--mode <mode>', 'only the models that make this kind of video').choices([...MODES]))
    .action(action(app, runModels));
}

export async function runModels(ctx: CommandContext, flags: { mode?: Mode }): Promise<number> {
  const config = await ctx.config();
  const chosen = config.sources.region?.kind !== 'default' ? config.values.region : undefined;
  const region = chosen ?? DEFAULT_REGION;
  const models = MODELS.filter((m) => (!chosen || m.ids[chosen]) && (!flags.mode || m.modes.includes(flags.mode)));
  if (ctx.ui.json) {
    ctx.ui.resultJson(
      models.map((m) => ({ ...m, region, priceCurrency: priceCurrency(region), priceDate: PRICE_DATE })),
    );
    return 0;
  }
  const rows = models.map((m) => [
    m.ids[region] ?? m.id,
    m.modes.join(' '),
    m.protocol === 'size' || m.ratios.length === 0 ? m.tiers.join('/') : `${m.tiers.join('/')} × ${m.ratios.join(' ')}`,
    `${describeDurations(m, region)}s`,
    `${m.fps}`,
    soundText(m),
    `${m.promptMax}`,
    priceText(m, region),
  ]);
  ctx.ui.result(
    renderTable(
      ['MODEL', 'MODES', 'SIZES', 'DURATION', 'FPS', 'SOUND', 'PROMPT', `${priceCurrency(region)}/s (${region})`],
      rows,
      ctx.ui.out,
    ),
  );
  if (!ctx.ui.options.quiet) {
    ctx.ui.result('');
    for (const m of models) {
      const regions = Object.entries(m.ids)
        .map(([r, id]) => (id === m.id ? r : `${r} (${id})`))
        .join(', ');
      ctx.ui.result(`${m.id}: ${[shapeText(m), ...inputsText(m)].join('; ')}; regions ${regions}`);
    }
    ctx.ui.result(`\nPrices per second of video as of ${PRICE_DATE}; failed tasks are not billed.`);
  }
  return 0;
}

function priceText(model: ModelInfo, region: Region): string {
  const prices = model.prices[region];
  if (!prices) return '–';
  const silent = model.silentPrices?.[region];
  return Object.entries(prices)
    .map(
      ([tier, price]) =>
        `${tier} ${price}${silent?.[tier as Tier] !== undefined ? ` (silent ${silent[tier as Tier]})` : ''}`,
    )
    .join(', ');
}

function soundText(model: ModelInfo): string {
  if (!model.sound) return 'silent';
  const ways = [model.audioUrl && '--audio', model.audioSwitch && '--no-audio'].filter(Boolean);
  return ways.length === 0 ? 'always' : `auto, ${ways.join(' or ')}`;
}

function shapeText(m: ModelInfo): string {
  if (m.protocol === 'size') return `sizes ${m.sizes.join(' ')} (default ${m.defaultSize})`;
  if (m.ratios.length === 0)
    return `--resolution ${m.tiers.join('|')} (default ${m.defaultResolution}) in the input's aspect`;
  return `--resolution ${m.tiers.join('|')} (default ${m.defaultResolution}), --ratio ${m.ratios.join('|')} (default ${m.defaultRatio})`;
}

/** What the model's inputs may be, as the flags that give them. */
function inputsText(m: ModelInfo): string[] {
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  const parts: string[] = [];
  const images = m.images;
  if (images && m.shape !== 'references') {
    const flags = m.modes.includes('kf2v')
      ? m.modes.includes('i2v')
        ? '--image [--last-frame]'
        : '--first-frame --last-frame'
      : '--image';
    parts.push(
      `${flags}: ≤ ${mb(images.maxBytes)}, ${images.minSide}–${images.maxSide} px${images.maxAspect ? `, 1:${images.maxAspect}–${images.maxAspect}:1` : ''}`,
    );
  }
  if (m.clip) parts.push(`--clip: ${m.clip.minSeconds}–${m.clip.maxSeconds} s, ≤ ${mb(m.clip.maxBytes)}`);
  if (m.references && m.videos && images) {
    parts.push(
      `--reference ×${m.references.total} (≤ ${m.references.videos} clips of ${m.videos.minSeconds}–${m.videos.maxSeconds} s, ≤ ${mb(m.videos.maxBytes)}; images ≤ ${mb(images.maxBytes)}), clips billed up to ${m.billedInputSeconds} s`,
    );
  }
  return parts;
}
