import { DEFAULTS } from './defaults.js';
import type { ConfigKey, ConfigLayer, ConfigSources, ConfigValues, ValueSource } from './types.js';

function sourceOf(layer: ConfigLayer, key: ConfigKey): ValueSource {
  const detail = typeof layer.detail === 'string' ? layer.detail : layer.detail?.[key];
  return detail === undefined ? { kind: layer.kind } : { kind: layer.kind, detail };
}

/**
 * Merges layers key by key. **Later layers win** (like `Object.assign`), so pass them from lowest
 * to highest priority: `[file, profile, env, flags]`. The built-in defaults are always the first,
 * lowest layer; an `undefined` value in a layer leaves the key to the layers below.
 * Pure: no I/O, no validation (layers are validated when built).
 */
export function mergeConfig(layers: readonly ConfigLayer[]): { values: ConfigValues; sources: ConfigSources } {
  const values: Partial<ConfigValues> = {};
  const sources: ConfigSources = {};
  const all: ConfigLayer[] = [{ kind: 'default', values: DEFAULTS }, ...layers];
  for (const layer of all) {
    for (const [key, value] of Object.entries(layer.values) as Array<[ConfigKey, unknown]>) {
      if (value === undefined) continue;
      (values as Record<ConfigKey, unknown>)[key] = value;
      sources[key] = sourceOf(layer, key);
    }
  }
  return { values: values as ConfigValues, sources };
}
