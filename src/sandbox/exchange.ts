import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendShaped, type TransportShape } from './transport-faults.js';
import type { SandboxRequest } from './types.js';

/** One request/response pair as the route handlers see it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request-log entry; its `status` is filled in when the response starts. */
  entry: SandboxRequest;
  /** Sandbox-clock time the request arrived (injected clock + any clockOffsetMs fault), ms. */
  now: number;
  path: string;
  query: string;
  /** A transport fault picked for this request: every response body goes out damaged this way. */
  shape?: TransportShape;
}

/** A request header as one string (repeated headers joined), or undefined. */
export function header(ex: Exchange, name: string): string | undefined {
  const value = ex.req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** RFC 9110 §6.6.1: every response carries a Date; it comes from the sandbox clock so tests see fake time. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Records in the request log that a fault touched this request (several are joined). */
export function noteFault(ex: Exchange, label: string): void {
  ex.entry.fault = ex.entry.fault === undefined ? label : `${ex.entry.fault}, ${label}`;
}

/** Starts the response and records its status in the request log. */
export function writeHead(ex: Exchange, status: number, headers: OutgoingHttpHeaders): void {
  ex.entry.status = status;
  ex.res.writeHead(status, { date: httpDate(ex.now), ...headers });
}

/**
 * A complete response with a small in-memory body (Node drops the body for HEAD by itself), or, under
 * a transport fault, the same response damaged by it. Never throws once the head is written.
 */
export function sendBody(
  ex: Exchange,
  status: number,
  contentType: string,
  body: string,
  extra: OutgoingHttpHeaders = {},
): void {
  writeHead(ex, status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...extra });
  if (ex.shape) void sendShaped(ex.req, ex.res, Buffer.from(body), ex.shape);
  else ex.res.end(body);
}

/** DashScope answers everything as JSON (dashscope-api.md §4). */
export function sendJson(ex: Exchange, status: number, value: unknown, extra: OutgoingHttpHeaders = {}): void {
  sendBody(ex, status, 'application/json; charset=utf-8', JSON.stringify(value), extra);
}
