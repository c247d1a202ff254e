/**
 * An incremental HTTP/1.1 response parser for the video download: status line, headers, then the
 * body framed by Content-Length, chunked coding, or the end of the connection (RFC 9112 §6.3).
 * It copies nothing: body bytes are passed on as ranges of the buffer they arrived in, so the
 * caller can read the socket into one reused buffer (see direct-get.ts).
 */

/** The head of the final response (1xx interim responses are skipped). */
export interface ResponseHead {
  status: number;
  /** Lower-case names; the first value of a repeated field (Content-Length: the one all agree on). */
  headers: Record<string, string>;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  /** Body bytes `buffer[start, end)`, valid only during the call. */
  body(buffer: Uint8Array, start: number, end: number): void;
  /** The body is complete. */
  end(): void;
}

/** A response we cannot parse; the code lets network-failure.ts describe it. */
export class ResponseParseError extends Error {
  readonly code = 'WAN_BAD_RESPONSE';
}

/** More than this in the head is not a response we want. */
const MAX_HEAD_BYTES = 64 * 1024;
const LF = 10;
const EMPTY = Buffer.alloc(0);

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

export class ResponseParser {
  private state: State = 'head';
  /** Bytes of the head (or of a chunk-size / trailer line) seen so far. */
  private line: number[] = [];
  /** A head that has not ended yet, copied. */
  private pendingHead = EMPTY;
  private remaining = 0;

  constructor(private readonly sink: ResponseSink) {}

  get complete(): boolean {
    return this.state === 'done';
  }

  /** Whether the head has been parsed. */
  get started(): boolean {
    return this.state !== 'head';
  }

  /** Feeds `buffer[start, end)`. Throws ResponseParseError; bytes after a complete body are ignored. */
  execute(buffer: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end && this.state !== 'done') {
      switch (this.state) {
        case 'head':
          i = this.readHead(buffer, i, end);
          break;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, end - i);
          this.sink.body(buffer, i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          if (this.state === 'length') this.finishBody();
          else this.state = 'chunk-end';
          break;
        }
        case 'close':
          this.sink.body(buffer, i, end);
          i = end;
          break;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          i = this.readLine(buffer, i, end);
          break;
      }
    }
  }

  /** The connection ended. A body framed by its end completes; anything else was cut short. */
  finish(): 'complete' | 'cut' {
    if (this.state === 'close') this.finishBody();
    return this.state === 'done' ? 'complete' : 'cut';
  }

  private readHead(buffer: Uint8Array, start: number, end: number): number {
    // The blank line may straddle reads: search from three bytes before where this read starts.
    const earlier = this.pendingHead.length;
    const all = Buffer.concat([this.pendingHead, buffer.subarray(start, end)]);
    const at = all.indexOf('\r\n\r\n', Math.max(0, earlier - 3));
    if (at < 0) {
      if (all.length > MAX_HEAD_BYTES)
        throw new ResponseParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      this.pendingHead = all; // a copy: the caller reuses its buffer
      return end;
    }
    if (at > MAX_HEAD_BYTES) throw new ResponseParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
    this.pendingHead = EMPTY;
    const next = start + (at + 4 - earlier);
    const { head, framingFields } = parseHead(all.toString('latin1', 0, at));
    if (head.status < 200) return next; // 1xx: the real response follows
    // Framing first: a response whose length cannot be known is refused before it is reported.
    const body = framing(head.status, framingFields);
    if (body.state === 'length' || body.state === 'done') head.headers['content-length'] &&= String(body.remaining);
    this.sink.head(head);
    this.state = body.state;
    this.remaining = body.remaining;
    if (this.state === 'done') this.sink.end();
    return next;
  }

  /** Chunked coding's size lines, the CRLF after each chunk, and the trailer section. */
  private readLine(buffer: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const byte = buffer[i++]!;
      if (byte !== LF) {
        if (this.line.length > 4096) throw new ResponseParseError('chunked body line too long');
        this.line.push(byte);
        continue;
      }
      const text = Buffer.from(this.line).toString('latin1').replace(/\r$/, '');
      this.line = [];
      if (this.state === 'chunk-end') {
        if (text !== '') throw new ResponseParseError('chunk not followed by CRLF');
        this.state = 'chunk-size';
      } else if (this.state === 'chunk-size') {
        const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(text);
        if (!m) throw new ResponseParseError('bad chunk size');
        this.remaining = parseInt(m[1]!, 16);
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
      } else if (text === '') {
        this.finishBody();
      }
      return i;
    }
    return i;
  }

  private finishBody(): void {
    this.state = 'done';
    this.sink.end();
  }
}

/** Fields that decide where the body ends: every occurrence counts (RFC 9112 §6.3). */
type FramingFields = { 'transfer-encoding'?: string; 'content-length'?: string };

function parseHead(text: string): { head: ResponseHead; framingFields: FramingFields } {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!status)
    throw new ResponseParseError(`not an HTTP/1.1 status line: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const headers: Record<string, string> = {};
  const framingFields: FramingFields = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /[\s]/.test(line[colon - 1]!)) throw new ResponseParseError('malformed header line');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] ??= value;
    if (name === 'transfer-encoding' || name === 'content-length')
      framingFields[name] = name in framingFields ? `${framingFields[name]}, ${value}` : value;
  }
  return { head: { status: Number(status[1]), headers }, framingFields };
}

/** How the body of `head` ends (RFC 9112 §6.3), as the state to continue in. */
function framing(status: number, fields: FramingFields): { state: State; remaining: number } {
  if (status === 204 || status === 304) return { state: 'done', remaining: 0 };
  const coding = fields['transfer-encoding'];
  if (coding !== undefined)
    return { state: /(?:^|,)\s*chunked\s*$/i.test(coding) ? 'chunk-size' : 'close', remaining: 0 };
  const length = fields['content-length'];
  if (length === undefined) return { state: 'close', remaining: 0 };
  const values = new Set(length.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,16}$/.test(only!))
    throw new ResponseParseError(`bad Content-Length: ${length.slice(0, 40)}`);
  const remaining = Number(only);
  return { state: remaining === 0 ? 'done' : 'length', remaining };
}
