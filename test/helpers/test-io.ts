import { PassThrough, Readable } from 'node:stream';
import type { IO, OutStream } from '../../src/output/io.js';

export interface TestIO {
  io: IO;
  out(): string;
  err(): string;
  /** Fires the IO's signal, as Ctrl-C would. */
  interrupt(): void;
}

class Capture implements OutStream {
  text = '';
  constructor(
    public isTTY: boolean,
    public columns = 80,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  // What a terminal stream has that spinners use (readline's cursor moves), as the escapes they send.
  cursorTo(x: number): boolean {
    return this.write(`\u001b[${x + 1}G`);
  }
  moveCursor(dx: number, dy: number): boolean {
    return this.write(`${dy < 0 ? `\u001b[${-dy}A` : ''}${dx > 0 ? `\u001b[${dx}C` : ''}`);
  }
  clearLine(): boolean {
    return this.write('\u001b[2K');
  }
}

/** An IO for in-process command tests: captured streams, an explicit env, no real signals. */
export function testIO(
  opts: {
    stdoutTTY?: boolean;
    stderrTTY?: boolean;
    /** Terminal width of each stream. @default 80 */
    stdoutColumns?: number;
    stderrColumns?: number;
    env?: Record<string, string | undefined>;
    cwd?: string;
    home?: string;
    stdin?: string;
  } = {},
): TestIO {
  const stdout = new Capture(Boolean(opts.stdoutTTY), opts.stdoutColumns);
  const stderr = new Capture(Boolean(opts.stderrTTY), opts.stderrColumns);
  const controller = new AbortController();
  const stdin = opts.stdin !== undefined ? Readable.from([Buffer.from(opts.stdin)]) : new PassThrough();
  return {
    io: {
      stdout,
      stderr,
      stdin,
      env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...opts.env },
      cwd: opts.cwd ?? process.cwd(),
      home: opts.home ?? '/nonexistent-home',
      signal: controller.signal,
    },
    out: () => stdout.text,
    err: () => stderr.text,
    interrupt: () => controller.abort('SIGINT'),
  };
}
