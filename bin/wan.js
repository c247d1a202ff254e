#!/usr/bin/env node
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const answer = version() ?? help() ?? (await quickAnswer());
if (answer !== undefined) {
  // `wan --help | head` closes the pipe early: the reader's choice, not an error (as in system-io).
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
  process.stdout.write(answer);
} else {
  // dist/cli is the bundled CLI (one file per lazily loaded part); dist/ holds the library and the sandbox.
  const [{ main }, { systemIO }] = await Promise.all([
    import('../dist/cli/main.js'),
    import('../dist/cli/output/system-io.js'),
  ]);
  process.exitCode = await main(argv, systemIO());
}

/** `wan --version` is run by scripts to check an install: answered without loading the program. */
function version() {
  if (argv.length !== 1 || (argv[0] !== '--version' && argv[0] !== '-V')) return undefined;
  return `${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`;
}

/**
 * Help, from the texts the build rendered with the program (src/help-cache.ts has the table's
 * format and this lookup; it is repeated here because importing even a small module costs as much
 * as the rest of this path). Only when stdout is as wide as the texts were wrapped.
 */
function help() {
  if (!argv.includes('--help') && !argv.includes('-h') && argv[0] !== 'help') return undefined;
  let cache;
  try {
    cache = JSON.parse(readFileSync(new URL('../dist/cli/help.json', import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
  const key = argv.join('\0');
  return (process.stdout.columns ?? cache.width) === cache.width && Object.hasOwn(cache.requests, key)
    ? cache.texts[cache.requests[key]]
    : undefined;
}

/** Other requests answered without the program (src/quick-answers.ts). */
async function quickAnswer() {
  return (await import('../dist/cli/quick-answers.js')).quickAnswer(argv, process.stdout);
}
