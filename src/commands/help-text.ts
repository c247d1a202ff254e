import { DEFAULT_MODEL, DEFAULT_MODELS, findModel } from '../api/catalogue.js';
import { estimateCost } from '../api/cost.js';
import { DEFAULT_REGION } from '../api/regions.js';
import { SIZE_TABLE, tierOfSize } from '../api/sizes.js';
import { formatMoney } from '../output/format.js';

/** The `Examples:` block every command's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** What `create` and `run` make when given only a prompt, and what that costs. */
export function createHelp(): string {
  const model = findModel(DEFAULT_MODEL)!;
  const size = model.defaultSize ?? SIZE_TABLE[model.defaultResolution!][model.defaultRatio!]!;
  const tier = tierOfSize(size)!;
  const cost = estimateCost(model, DEFAULT_REGION, tier, model.defaultDuration);
  const price = cost ? `, about ${formatMoney(cost.amount, cost.currency)} in ${DEFAULT_REGION}` : '';
  return (
    `\nDefaults: model ${model.id}, size ${size} (${tier}), ${model.defaultDuration} s${price}.\n` +
    `Other modes: --image → ${DEFAULT_MODELS.i2v}; --first-frame + --last-frame → ${DEFAULT_MODELS.kf2v};\n` +
    `--reference → ${DEFAULT_MODELS.r2v}. Config and flags change them; wan models --mode <mode>\n` +
    'lists what each model takes. Local files are checked before anything is sent or paid for.\n'
  );
}
