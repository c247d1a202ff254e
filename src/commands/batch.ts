import { Command, InvalidArgumentError } from 'commander';
import { type App, action } from './context.js';
import { addRequestOptions, type CreateFlags } from './create-options.js';
import { examples } from './help-text.js';

export interface BatchFlags extends Omit<CreateFlags, 'promptFile' | 'idempotencyKey' | 'new'> {
  outputDir?: string;
  concurrency?: number;
  rate?: number;
  timeout?: string;
  interval?: string;
  force?: boolean;
  sidecar?: boolean;
  report?: string;
  yes?: boolean;
}

export function batchCommand(app: App): Command {
  const command = addRequestOptions(new Command('batch'))
    .argument('<file>', 'the batch file, or - for stdin')
    .option('--output-dir <dir>', 'where the videos go (created if missing; default: config outputDir or .)')
    .option(
      '--concurrency <n>',
      "tasks in flight at once (default: the model's limit, wan models --json)",
      whole('--concurrency', 1, 1000),
    )
    .option(
      '--rate <n>',
      "task submissions per second, paced 10% under (default: the model's limit)",
      positive('--rate', 100),
    )
    .option(
      '--timeout <duration>',
      'give up on a task after this long, e.g. 90s, 10m, 1h (default 30m, config timeout)',
    )
    .option(
      '--interval <duration>',
      'time between polls of the task list, at least 1s (default 5s, config pollInterval)',
    )
    .option('--force', 'overwrite existing files')
    .option('--no-sidecar', 'do not write <file>.json provenance records')
    .option('--report <file>', 'where the JSON report goes (default <output-dir>/<batch name>-<time>.report.json)')
    .option('--max-cost <amount>', "refuse the batch if its estimated total is above this, in the region's currency")
    .option('-y, --yes', 'do not ask before spending (asked only on a terminal)')
    .option('--dry-run', 'check every line, price the batch and show what would be created; send nothing')
    .addHelpText(
      'after',
      examples(
        "wan batch prompts.txt -m wan2.2-t2v-plus -s '832*480' --output-dir videos/",
        'wan batch shots.jsonl --max-cost 20 --yes',
        'wan batch shots.jsonl --dry-run',
        'generate-prompts | wan batch - --output-dir out/ --json | jq .lines[].file',
      ) +
        '\nA .jsonl line is {"prompt": …} plus any create option in camelCase (model,\n' +
        'size, duration, negativePrompt, seed, audio, …), "output" (a file name under\n' +
        '--output-dir) and "key" (an idempotency key). Run the same batch again to\n' +
        'resume it: saved lines are skipped, running tasks are waited for, and no line\n' +
        'is ever created twice.\n',
    );
  // The batch machinery (schemas, scheduler, runner) loads only when a batch runs.
  return command.action(
    action(app, async (ctx, file: string, flags: BatchFlags) =>
      (await import('./batch-run.js')).runBatch(ctx, file, flags),
    ),
  );
}

function whole(flag: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}; got "${value}"`);
    return Number(value);
  };
}

function positive(flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value.trim());
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > max)
      throw new InvalidArgumentError(`${flag} takes a number above 0 and at most ${max}; got "${value}"`);
    return n;
  };
}
