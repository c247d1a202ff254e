import { AbortedError } from '../api/errors/aborted-error.js';
import type { IO } from '../output/io.js';

/** Asks a yes/no question on stderr and reads one line from stdin; anything but y/yes is no. */
export function confirm(io: IO, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  return new Promise((resolve, reject) => {
    let answer = '';
    const done = (value: boolean | Error) => {
      io.stdin.off('data', onData);
      io.stdin.off('end', onEnd);
      io.signal.removeEventListener('abort', onAbort);
      io.stdin.pause();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      answer += chunk.toString();
      if (answer.includes('\n')) done(/^\s*y(es)?\s*$/i.test(answer.split('\n')[0]!));
    };
    const onEnd = () => done(/^\s*y(es)?\s*$/i.test(answer));
    const onAbort = () => done(new AbortedError());
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
    io.signal.addEventListener('abort', onAbort, { once: true });
    io.stdin.resume();
  });
}
