import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultRule } from './types.js';

/** How a response body is damaged (the `reset`/`short`/`slow`/`stall` faults, after the head was sent). */
export type TransportShape =
  | { kind: 'reset' | 'short' | 'stall'; afterBytes: number }
  | { kind: 'slow'; bytesPerSecond: number };

/** A slow body goes out in about 20 paced writes per second: smooth enough, cheap in timers. */
const SLOW_TICKS_PER_SECOND = 20;

/**
 * Sends `body` after a head already written, damaged as `shape` says. A body no longer than the cut
 * point goes out whole and ends normally (like the legacy `cutAfterBytes`: there is nothing to cut).
 * Pacing and waiting use real time on purpose: what they exercise is the client's wall-clock timeouts.
 * Never rejects: a client that goes away just ends the sending.
 */
export async function sendShaped(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer | Readable,
  shape: TransportShape,
): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  try {
    // HEAD has no body (Node would ignore the writes), so only the after-the-body behaviour remains.
    const source: AsyncIterable<Buffer | string> | Buffer[] =
      req.method === 'HEAD' ? [] : Buffer.isBuffer(body) ? [body] : body;
    const limit = shape.kind === 'slow' ? Infinity : shape.afterBytes;
    let sent = 0;
    let cut = false;
    for await (const raw of source) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const room = limit - sent;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      const open =
        shape.kind === 'slow'
          ? await writePaced(res, piece, shape.bytesPerSecond, gone.signal)
          : await write(res, piece);
      if (!open) return;
      sent += piece.length;
      if (chunk.length > room) {
        cut = true;
        break; // ends (and closes) a file stream early
      }
    }
    const socket = res.socket;
    if (!cut || !socket) {
      res.end();
      return;
    }
    // With nothing written yet (a cut at 0 bytes) the head is still queued; it goes out first.
    res.flushHeaders();
    if (shape.kind === 'short') {
      // end() queues the FIN behind the bytes already written, so exactly `sent` body bytes arrive.
      socket.end(() => socket.destroy());
    } else if (shape.kind === 'reset') {
      // An abortive close discards unsent data, so first let every byte reach the kernel.
      await drained(socket, gone.signal);
      if (!socket.destroyed) socket.resetAndDestroy();
    } else {
      // stall: keep the socket open and silent until the client gives up (or the sandbox closes).
      if (!gone.signal.aborted) await once(res, 'close').catch(() => undefined);
    }
  } catch {
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}

/** Writes with back-pressure; false if the client went away first. */
async function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (chunk.length === 0 || res.write(chunk)) return true;
  // Both waits are removed once one fires, so a long paced body does not pile up listeners.
  const done = new AbortController();
  try {
    return await Promise.race([
      once(res, 'drain', { signal: done.signal }).then(() => true),
      once(res, 'close', { signal: done.signal }).then(() => false),
    ]);
  } finally {
    done.abort();
  }
}

/** Writes `chunk` in timer-paced pieces at `bytesPerSecond`, each after the previous one drained. */
async function writePaced(
  res: ServerResponse,
  chunk: Buffer,
  bytesPerSecond: number,
  gone: AbortSignal,
): Promise<boolean> {
  const step = Math.max(1, Math.floor(bytesPerSecond / SLOW_TICKS_PER_SECOND));
  const interval = (step * 1000) / bytesPerSecond;
  for (let offset = 0; offset < chunk.length; offset += step) {
    if (!(await write(res, chunk.subarray(offset, offset + step)))) return false;
    try {
      await sleep(interval, undefined, { signal: gone });
    } catch {
      return false;
    }
  }
  return true;
}

/** Resolves once Node has handed every queued byte of `socket` to the kernel (or the socket closed). */
async function drained(socket: Socket, gone: AbortSignal): Promise<void> {
  while (socket.writableLength > 0 && !socket.destroyed && !gone.aborted) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The body damage a transport rule asks for; undefined for `status` and for a `reset` before any response. */
export function shapeOf(rule: FaultRule): TransportShape | undefined {
  switch (rule.kind) {
    case 'slow':
      return { kind: 'slow', bytesPerSecond: rule.bytesPerSecond };
    case 'short':
    case 'stall':
      return { kind: rule.kind, afterBytes: rule.afterBytes };
    case 'reset':
      return rule.afterBytes === undefined ? undefined : { kind: 'reset', afterBytes: rule.afterBytes };
    default:
      return undefined;
  }
}
