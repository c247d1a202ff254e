import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ConfigError, type ConfigFlags, type ResolvedConfig, resolveConfig } from '../../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

/** Absolute path inside `test/fixtures/config/`. */
export function fixture(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}

/**
 * resolveConfig in a fixture directory. `home` defaults to the case directory, so the upward
 * search never leaves the fixture and no real `~/.dashscope/api_key` or `~/.config` is read.
 */
export function resolveIn(
  name: string,
  opts: { flags?: ConfigFlags; env?: Record<string, string | undefined>; cwd?: string; home?: string } = {},
): Promise<ResolvedConfig> {
  const dir = fixture(name);
  return resolveConfig({ flags: opts.flags ?? {}, env: opts.env ?? {}, cwd: opts.cwd ?? dir, home: opts.home ?? dir });
}

/** The ConfigError a promise rejects with; fails the test if it resolves or throws something else. */
export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const configError = error as ConfigError;
  expect(configError.message).not.toContain('\n');
  return configError;
}
