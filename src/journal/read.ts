import { createReadStream } from 'node:fs';
import { type JournalRecord, journalRecordSchema } from './records.js';

export interface ReadResult {
  /** Valid records, in file order. */
  records: JournalRecord[];
  /** Byte offset just past the last newline read: where an incremental read resumes. */
  end: number;
  /** Lines that were not valid records (torn by a crash, garbled, or from an unknown version). */
  skipped: number;
}

/**
 * Streams the journal from byte `start` and parses every newline-terminated line. Bad lines are
 * counted and skipped, never fatal: one damaged line must not hide every other task.
 *
 * A last line without its newline is left unread and `end` stops before it. It is either a write
 * another process has not finished (it will be complete on the next read) or a line torn by a
 * crash (the next append starts on a fresh line, after which it reads as one bad line).
 *
 * Lines are split by hand rather than with readline so the byte offset of each line is known,
 * which lets `Journal` re-read only what was appended since its last read.
 */
export async function readRecords(file: string, start = 0): Promise<ReadResult> {
  const records: JournalRecord[] = [];
  let skipped = 0;
  let end = start;
  let rest: Buffer | undefined;
  const stream = createReadStream(file, { start, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let from = 0;
    for (let newline = buffer.indexOf(0x0a, from); newline !== -1; newline = buffer.indexOf(0x0a, from)) {
      if (newline > from) {
        const record = parseLine(buffer.toString('utf8', from, newline));
        if (record) records.push(record);
        else skipped++;
      }
      end += newline + 1 - from;
      from = newline + 1;
    }
    rest = from < buffer.length ? buffer.subarray(from) : undefined;
  }
  return { records, end, skipped };
}

function parseLine(line: string): JournalRecord | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = journalRecordSchema.safeParse(json);
  return parsed.success ? deepFreeze(parsed.data) : undefined;
}

/**
 * Parsed records are cached by `Journal` and shared by every entry built from them; freezing
 * them means a caller that edits an entry's intent gets an error instead of silently changing
 * what later reads return.
 */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
