import { ConfigError } from './config-error.js';
import { fieldSchemas } from './schema.js';
import type { ConfigKey, ConfigValues } from './types.js';

/** Keys whose schema wants a number but that arrive as text from a flag or variable. */
const NUMERIC: ReadonlySet<ConfigKey> = new Set(['duration', 'seed', 'retries']);

/**
 * Validates one value from a flag or variable with the same schema a config file uses.
 * @param label the flag or variable name, which starts the error message (`--seed: expected …`).
 * @throws ConfigError naming `label`.
 */
export function parseValue<K extends ConfigKey>(
  key: K,
  raw: string | number | boolean,
  label: string,
): ConfigValues[K] {
  const input =
    NUMERIC.has(key) && typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)
      ? Number(raw)
      : key === 'maxCost' && typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)
        ? Number(raw)
        : raw;
  const result = fieldSchemas[key].safeParse(input);
  if (result.success) return result.data as ConfigValues[K];
  throw new ConfigError(`${label}: ${result.error.issues[0]?.message ?? 'invalid value'}`, label, key);
}
