import { type ModelInfo, sizeFor } from './catalogue.js';
import type { CreateTaskOptions } from './create-request.js';
import { InputError } from './errors/input-error.js';
import type { CreateRequestBody } from './schemas.js';
import { normalizeSize, type Ratio, ratioOfSize, SIZE_TABLE, type Tier, tierOfSize } from './sizes.js';

/** The picture's part of `parameters`, and the size and tier it makes. */
export interface Shape {
  parameters: CreateRequestBody['parameters'];
  /** Undefined where the input image sets the aspect. */
  size?: string;
  tier: Tier;
}

/**
 * `size` (wan2.1–2.6 text and reference models), `resolution` + `ratio` (wan2.7-t2v), or
 * `resolution` alone (image models: the video keeps the first frame's aspect).
 */
export function pickShape(model: ModelInfo, options: CreateTaskOptions): Shape {
  if (model.protocol === 'size') return pickSize(model, options);
  if (model.ratios.length === 0) return pickTier(model, options);
  return pickResolution(model, options);
}

function pickSize(model: ModelInfo, options: CreateTaskOptions): Shape {
  if (options.size !== undefined) {
    if (options.resolution !== undefined || options.ratio !== undefined) {
      throw new InputError('size', 'give either a size or a resolution and ratio, not both');
    }
    const size = normalizeSize(options.size);
    if (!model.sizes.includes(size)) {
      throw new InputError(
        'size',
        `${model.id} does not make ${options.size}; allowed: ${model.sizes.join(', ')}`,
        model.sizes,
      );
    }
    return { parameters: { size }, size, tier: tierOfSize(size)! };
  }
  if (options.resolution !== undefined || options.ratio !== undefined) {
    const defaultSize = model.defaultSize!;
    const resolution = options.resolution ?? tierOfSize(defaultSize)!;
    const ratio: Ratio = options.ratio ?? '16:9';
    const size = sizeFor(model, resolution, ratio);
    if (!size) {
      const field =
        options.resolution !== undefined && !model.tiers.includes(options.resolution) ? 'resolution' : 'ratio';
      const combos = model.sizes.map((s) => `${tierOfSize(s)} ${ratioOfSize(s)}`).join(', ');
      throw new InputError(
        field,
        `${model.id} has no ${resolution} ${ratio} size; allowed: ${combos}`,
        field === 'resolution' ? model.tiers : undefined,
      );
    }
    return { parameters: { size }, size, tier: resolution };
  }
  const size = model.defaultSize!;
  return { parameters: {}, size, tier: tierOfSize(size)! };
}

function pickResolution(model: ModelInfo, options: CreateTaskOptions): Shape {
  let { resolution, ratio } = options;
  if (options.size !== undefined) {
    if (resolution !== undefined || ratio !== undefined)
      throw new InputError('size', 'give either a size or a resolution and ratio, not both');
    // wan2.7 takes resolution + ratio; a table size maps onto them exactly.
    const size = normalizeSize(options.size);
    resolution = tierOfSize(size);
    ratio = ratioOfSize(size);
    if (!resolution || !ratio || !model.tiers.includes(resolution)) {
      throw new InputError(
        'size',
        `${model.id} takes --resolution (${model.tiers.join(', ')}) and --ratio (${model.ratios.join(', ')}), not size ${options.size}`,
      );
    }
  }
  checkTier(model, resolution);
  if (ratio !== undefined && !model.ratios.includes(ratio)) {
    throw new InputError('ratio', `${model.id} takes ratios ${model.ratios.join(', ')}; got ${ratio}`, model.ratios);
  }
  const parameters: CreateRequestBody['parameters'] = {};
  if (resolution !== undefined) parameters.resolution = resolution;
  if (ratio !== undefined) parameters.ratio = ratio;
  const tier = resolution ?? model.defaultResolution!;
  const size = SIZE_TABLE[tier][ratio ?? model.defaultRatio!]!;
  return { parameters, size, tier };
}

/** Image models: the tier alone; the service keeps the input's aspect (no size, no ratio). */
function pickTier(model: ModelInfo, options: CreateTaskOptions): Shape {
  if (options.size !== undefined || options.ratio !== undefined) {
    const flag = options.size !== undefined ? 'size' : 'ratio';
    throw new InputError(
      flag,
      `${model.id} keeps the aspect of its input image: give --resolution (${model.tiers.join(', ')}), not --${flag}`,
      model.tiers,
    );
  }
  checkTier(model, options.resolution);
  const tier = options.resolution ?? model.defaultResolution!;
  return { parameters: options.resolution ? { resolution: options.resolution } : {}, tier };
}

function checkTier(model: ModelInfo, resolution: Tier | undefined): void {
  if (resolution !== undefined && !model.tiers.includes(resolution))
    throw new InputError('resolution', `${model.id} makes ${model.tiers.join(', ')}; got ${resolution}`, model.tiers);
}
