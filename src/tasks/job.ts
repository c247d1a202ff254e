import type { WanClient } from '../api/client.js';
import type { Clock } from '../api/clock.js';
import type { Journal } from '../journal/journal.js';

/**
 * What a job (create, watch, save) works with. Jobs know nothing of the terminal: what the user
 * should hear as it happens goes to `note` and `warn`, which the command renders.
 */
export interface Job {
  client: WanClient;
  journal: Journal;
  clock: Clock;
  /** Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  note(text: string): void;
  warn(text: string): void;
}

/** Journal records never cost the job: a journal that cannot be written costs one warning. */
export function recorder(job: Job): (record: Parameters<Journal['append']>[0]) => Promise<void> {
  let warned = false;
  return (record) =>
    job.journal.append(record).catch((err: Error) => {
      if (!warned) job.warn(`could not record in the journal: ${err.message}`);
      warned = true;
    });
}
