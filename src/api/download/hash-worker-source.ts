/**
 * Source of the hashing worker, run with `new Worker(source, { eval: true })`. It is a string rather
 * than a module file so it works the same from `dist/` and under vitest (which cannot hand a `.ts`
 * file to a worker thread), and it needs nothing but Node built-ins and the bytes in `workerData`.
 *
 * A worker computes some of the digests (`sha256`, `crc64`) of the `.part` file as it grows: it
 * reads back what the writer has confirmed on disk, trailing it, so hashing runs on another core in
 * parallel with the download, a resumed prefix is hashed from disk like everything else, and the
 * digests describe the bytes actually saved. Bytes are read straight into the WebAssembly memory the
 * CRC runs on, and SHA-256 reads the same bytes there: no copies.
 *
 * Messages in: { op: 'advance', upTo } (bytes [0, upTo) are written), { op: 'reset' } (the file was
 * truncated or deleted), { op: 'finish', length } (hash exactly [0, length) and reply). Out:
 * { op: 'digest', value: { sha256?, crc64? } } or { op: 'error', message, code }.
 */
export const HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { path, algorithms, bufferBytes } = workerData;

function crc64State() {
  const { wasm, tables, tableBytes } = workerData;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm));
  const { update, memory } = instance.exports;
  new Uint8Array(memory.buffer).set(tables, 0);
  const ALL_ONES = (1n << 64n) - 1n;
  let register = ALL_ONES;
  return {
    buffer: Buffer.from(memory.buffer, tableBytes, bufferBytes),
    update(n) { register = update(register, tableBytes, n); },
    digest() { return BigInt.asUintN(64, register ^ ALL_ONES).toString(); },
    reset() { register = ALL_ONES; },
  };
}

let crc;
let sha;
let buffer;
let fd = -1;
let position = 0;
let target = 0;

function setUp() {
  if (algorithms.includes('crc64')) crc = crc64State();
  if (algorithms.includes('sha256')) sha = createHash('sha256');
  buffer = crc ? crc.buffer : Buffer.allocUnsafe(bufferBytes);
}

function digest() {
  const value = {};
  if (crc) value.crc64 = crc.digest();
  if (sha) value.sha256 = sha.digest('hex');
  return value;
}

function pump() {
  while (position < target) {
    if (fd < 0) fd = fs.openSync(path, 'r');
    const n = fs.readSync(fd, buffer, 0, Math.min(bufferBytes, target - position), position);
    if (n === 0) {
      const err = new Error(path + ' holds ' + position + ' bytes, fewer than the ' + target + ' written to it');
      err.code = 'ESHORTFILE';
      throw err;
    }
    if (crc) crc.update(n);
    if (sha) sha.update(buffer.subarray(0, n));
    position += n;
  }
}

function closeFile() {
  if (fd >= 0) {
    try { fs.closeSync(fd); } catch {}
    fd = -1;
  }
}

// Also closes the file, so the next read opens the path again: after a restart the file at that
// path may be a new one.
function restart() {
  if (crc) crc.reset();
  if (sha) sha = createHash('sha256');
  position = 0;
  target = 0;
  closeFile();
}

parentPort.on('message', (message) => {
  try {
    if (!buffer) setUp();
    if (message.op === 'reset') {
      restart();
    } else if (message.op === 'advance') {
      target = Math.max(target, message.upTo);
      try {
        pump();
      } catch {
        // The file may have been truncated or replaced under us, with a reset already queued.
        // Stop here; 'finish' reads again and reports any failure that is real.
        closeFile();
      }
    } else if (message.op === 'finish') {
      if (position > message.length) throw new Error('asked to hash ' + message.length + ' bytes after hashing ' + position);
      target = message.length;
      pump();
      const value = digest();
      restart();
      parentPort.postMessage({ op: 'digest', value });
    }
  } catch (err) {
    closeFile();
    parentPort.postMessage({ op: 'error', message: String(err && err.message), code: err && err.code });
  }
});
`;
