import type { Readable } from 'node:stream';

/** A stream the program writes to; `isTTY`/`columns` decide colours, spinners and widths. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything a command may touch of the outside world. Commands never reach for `process.*` or
 * `console`: tests pass a fake IO and run commands in-process.
 */
export interface IO {
  stdout: OutStream;
  stderr: OutStream;
  stdin: Readable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  /** Fires on SIGINT/SIGTERM: commands stop waiting, keep the task, and exit 130. */
  signal: AbortSignal;
}
