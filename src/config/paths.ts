import path from 'node:path';

/**
 * An absolute path for a user-written one: `~` and `~/x` mean the home directory (files and
 * `--opt=~/x` get no shell expansion), anything else relative is taken from `base`.
 */
export function resolveUserPath(input: string, base: string, home: string): string {
  if (input === '~') return home;
  if (input.startsWith('~/') || input.startsWith(`~${path.sep}`)) return path.join(home, input.slice(2));
  return path.resolve(base, input);
}
