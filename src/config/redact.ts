import { ConfigError } from './config-error.js';
import { maskKey } from './mask.js';

/**
 * The same error with every known secret replaced by its mask. Messages quote values through
 * `showValue`, which already masks `sk-…` strings; this catches keys of any other shape that a user
 * pasted into the wrong field.
 */
export function redactError(error: ConfigError, secrets: Iterable<string>): ConfigError {
  let message = error.message;
  for (const secret of secrets) {
    if (secret.length >= 4) message = message.split(secret).join(maskKey(secret));
  }
  return message === error.message ? error : new ConfigError(message, error.source, error.key);
}

/** The `apiKey` strings in a raw, unchecked config object (top level and profiles). */
export function apiKeysIn(config: unknown): string[] {
  const keys: string[] = [];
  const collect = (settings: unknown) => {
    if (settings && typeof settings === 'object' && 'apiKey' in settings) {
      const { apiKey } = settings as { apiKey: unknown };
      if (typeof apiKey === 'string') keys.push(apiKey.trim());
    }
  };
  collect(config);
  const profiles = config && typeof config === 'object' ? (config as { profiles?: unknown }).profiles : undefined;
  if (profiles && typeof profiles === 'object') Object.values(profiles).forEach(collect);
  return keys;
}
