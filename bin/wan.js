#!/usr/bin/env node
// `wan --version` is run by scripts to check an install: answer it without loading the program.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  // dist/cli is the bundled CLI (one file per lazily loaded part); dist/ holds the library and the sandbox.
  const { main } = await import('../dist/cli/main.js');
  const { systemIO } = await import('../dist/cli/output/system-io.js');
  process.exitCode = await main(process.argv.slice(2), systemIO());
}
