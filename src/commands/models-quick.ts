import { REGION_NAMES, type Region } from '../api/regions.js';
import type { OutStream } from '../output/io.js';
import { jsonDocument } from '../output/json-document.js';
import { modelsJson } from './models-listing.js';

/**
 * `wan models --json` for src/quick-answers.ts, given the arguments after `models`: `--json`,
 * optionally with `--region <name>` (both global flags, so they may follow the command name, in
 * either order). Anything else (other flags, a bad or repeated --region) returns undefined: the
 * program's to parse and report.
 */
export function modelsJsonAnswer(args: readonly string[], stdout: OutStream): string | undefined {
  let json = false;
  let region: Region | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') json = true;
    else if (args[i] === '--region' && region === undefined && isRegion(args[i + 1])) region = args[++i] as Region;
    else return undefined;
  }
  return json ? jsonDocument(modelsJson(region), stdout.isTTY) : undefined;
}

function isRegion(value: string | undefined): boolean {
  return (REGION_NAMES as readonly (string | undefined)[]).includes(value);
}
