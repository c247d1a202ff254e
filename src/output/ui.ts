import { Chalk, type ChalkInstance } from 'chalk';
import type { IO, OutStream } from './io.js';
import { jsonDocument } from './json-document.js';

/** Narrower terminals get plain lines: a spinner or bar wraps, and each redraw adds lines. */
const MIN_ANIMATED_WIDTH = 20;

/** Redraws of spinners and bars per second, at most: enough to look alive, little to log. */
export const REDRAWS_PER_SECOND = 4;

export interface UiOptions {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  /** `--no-color`. */
  noColor: boolean;
}

/**
 * The one place that decides what reaches the terminal: results on stdout, people's text on
 * stderr, colour and animation only on a TTY, and nothing but JSON on stdout with --json.
 */
export class Ui {
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;
  /** stderr is an interactive terminal and animation is wanted (spinners, bars). */
  readonly animate: boolean;

  constructor(
    readonly io: IO,
    readonly options: UiOptions,
  ) {
    this.out = new Chalk({ level: colorLevel(io.stdout, io.env, options.noColor || options.json) });
    this.err = new Chalk({ level: colorLevel(io.stderr, io.env, options.noColor) });
    // A terminal of unknown or zero width (`script` without a terminal, some CI runners, ssh -tt)
    // cannot hold a redrawn line: plain lines there, as off a terminal.
    const width = io.stderr.columns ?? 0;
    this.animate =
      Boolean(io.stderr.isTTY) &&
      width >= MIN_ANIMATED_WIDTH &&
      !options.json &&
      !options.quiet &&
      io.env.CI !== 'true' &&
      io.env.TERM !== 'dumb';
  }

  get json(): boolean {
    return this.options.json;
  }

  /** A result line on stdout (the pipeable value). */
  result(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** One JSON document on stdout. */
  resultJson(value: unknown): void {
    this.io.stdout.write(jsonDocument(value, this.io.stdout.isTTY));
  }

  /** Human information on stderr; silent with --quiet or --json. */
  info(text: string): void {
    if (!this.options.quiet && !this.options.json) this.io.stderr.write(`${text}\n`);
  }

  /**
   * What must reach a log even when stdout is reserved for JSON (the id of a task that now exists,
   * so it can be resumed): on stderr unless --quiet.
   */
  notice(text: string): void {
    if (!this.options.quiet) this.io.stderr.write(`${text}\n`);
  }

  /** Warnings reach stderr even with --quiet: they are about money or data. */
  warn(text: string): void {
    this.io.stderr.write(`${this.err.yellow('warning:')} ${text}\n`);
  }

  debug(text: string): void {
    if (this.options.debug) this.io.stderr.write(`${this.err.dim(`[debug] ${text}`)}\n`);
  }
}

/** chalk levels: 0 none … 3 truecolor. NO_COLOR (any value) and FORCE_COLOR follow their conventions. */
export function colorLevel(stream: OutStream, env: IO['env'], disabled: boolean): 0 | 1 | 2 | 3 {
  if (disabled) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 0;
    const level = Number(force);
    return level >= 1 && level <= 3 ? (level as 1 | 2 | 3) : 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return 1;
}
