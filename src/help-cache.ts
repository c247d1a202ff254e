import { readFileSync } from 'node:fs';

/**
 * Pre-rendered help, so that `wan --help`, `wan <command> --help` and `wan help <command>` print
 * without loading the program (Commander and the commands' modules are most of their cost).
 *
 * The build (scripts/build-cli.mjs) runs the program for each of these requests with stdout not
 * a terminal and stores exactly what it printed in dist/cli/help.json; bin/wan.js prints a stored
 * text (with its own copy of `cachedHelp`) only when the program would print the same, else runs
 * the program. test/commands/quick-answers.test.ts compares every stored text with the program's,
 * so the table cannot go stale unnoticed.
 */
export interface HelpCache {
  /** The width Commander wrapped the texts to: the one it uses when stdout is not a terminal. */
  width: number;
  /** The distinct texts (`wan models --help`, `wan models -h` and `wan help models` share one). */
  texts: string[];
  /** A request's arguments, joined by NUL (which no argument can contain) → its index in `texts`. */
  requests: Record<string, number>;
}

export function helpRequestKey(argv: readonly string[]): string {
  return argv.join('\0');
}

/**
 * The stored text for `argv`, or undefined when there is none or it would differ from the
 * program's: on a terminal, Commander wraps help to the terminal's width (`columns`).
 */
export function cachedHelp(cache: HelpCache, argv: readonly string[], columns: number | undefined): string | undefined {
  if ((columns ?? cache.width) !== cache.width) return undefined;
  const key = helpRequestKey(argv);
  return Object.hasOwn(cache.requests, key) ? cache.texts[cache.requests[key]!] : undefined;
}

export function readHelpCache(file: URL): HelpCache {
  return JSON.parse(readFileSync(file, 'utf8')) as HelpCache;
}
