import { Command } from 'commander';
import { type App, action } from './context.js';
import { examples } from './help-text.js';

const DOCTOR_HELP = `
Checks, in order: config, api-key, key-format, endpoint, proxy, connection
(TCP/TLS to the API host), key-accepted (a GET of an unknown task id), clock
(against the server's Date header), output-dir (a probe file is written and
removed) and disk-space. A failed check says how to fix it. Network checks
give up after a few seconds and are not retried; the key is never shown.
With --sandbox, everything is checked against the in-process sandbox.

Exit status: 0 when nothing failed (warnings allowed), 3 when the key is
missing or refused, 1 for any other failure.
`;

export function doctorCommand(app: App): Command {
  return new Command('doctor')
    .addHelpText(
      'after',
      DOCTOR_HELP +
        examples(
          'wan doctor',
          'wan --sandbox doctor',
          'wan --region singapore doctor',
          "wan doctor --json | jq -r '.[] | select(.ok | not) | .fix'",
        ),
    )
    .action(action(app, async (ctx) => (await import('./doctor-run.js')).runDoctor(ctx)));
}
