import os from 'node:os';
import type { IO } from './io.js';

/**
 * The real process's IO: the only file under src/ that touches process.stdout/stderr/env and
 * installs signal handlers. A second Ctrl-C ends the process at once, for when a user insists.
 */
export function systemIO(): IO {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `wan … | head` closes the pipe early: that is the reader's choice, not a crash to report.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    home: os.homedir(),
    signal: controller.signal,
  };
}
