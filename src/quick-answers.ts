import type { OutStream } from './output/io.js';

/**
 * Requests bin/wan.js answers without loading the program (Commander, chalk and the command
 * modules are most of their cost), after --version and help, which it answers itself. Each answer
 * is exactly what the program prints for the same arguments and stdout (test/commands/
 * quick-answers.test.ts compares them); any other request, including every variation not
 * recognised, returns undefined and goes to the program. Bundled as a file of its own, loaded
 * on every run that reaches it: it must import nothing up front.
 */
export async function quickAnswer(argv: readonly string[], stdout: OutStream): Promise<string | undefined> {
  if (argv[0] === 'models') return (await import('./commands/models-quick.js')).modelsJsonAnswer(argv.slice(1), stdout);
  return undefined;
}
