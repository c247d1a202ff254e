import type { IncomingMessage } from 'node:http';
import type { SandboxRequest } from './types.js';

/** Keeps the key out of the log, as `--debug` does (style rule 10): `Bearer sk-…` becomes `Bearer ***`. */
export function redactAuthorization(value: string): string {
  const scheme = /^(\S+)\s/.exec(value);
  return scheme ? `${scheme[1]} ***` : '***';
}

/** Builds the log entry for a request as it arrives; `status` is filled in when the response starts. */
export function logEntry(listener: SandboxRequest['listener'], req: IncomingMessage, time: number): SandboxRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = name === 'authorization' ? redactAuthorization(text) : text;
  }
  return {
    listener,
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
    hasAuthorization: req.headers.authorization !== undefined,
    status: 0,
    time,
  };
}

/** The shared, append-only request log, trimmed in batches when it has a limit. */
export class RequestLog {
  readonly entries: SandboxRequest[] = [];

  constructor(private readonly limit = Infinity) {}

  add(entry: SandboxRequest): void {
    this.entries.push(entry);
    // Trim 10 % past the limit at once so trimming stays amortised O(1) per request.
    if (this.entries.length > this.limit * 1.1) this.entries.splice(0, this.entries.length - this.limit);
  }
}
