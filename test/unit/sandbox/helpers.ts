import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../../src/sandbox/index.js';

export const KEY = 'sk-test-key';
export const CREATE_PATH = '/services/aigc/video-generation/video-synthesis';
/** The first-and-last-frame (kf2v) models' create path (dashscope-api.md §1.2). */
export const KF2V_PATH = '/services/aigc/image2video/video-synthesis';
export const START = Date.parse('2026-05-01T00:00:00.000Z');

/** A clock tests move by hand; nothing ever waits on wall time. */
export function fakeClock(start = START) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export const asyncHeaders = (key = KEY): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/json',
  'x-dashscope-async': 'enable',
});

export interface JsonReply {
  status: number;
  headers: Headers;
  body: any;
}

export async function postCreate(
  sb: Sandbox,
  body: unknown,
  headers: Record<string, string> = asyncHeaders(),
  path = CREATE_PATH,
): Promise<JsonReply> {
  const res = await fetch(sb.baseUrl + path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** `key: null` sends no Authorization header. */
export async function getTask(sb: Sandbox, taskId: string, key: string | null = KEY): Promise<JsonReply> {
  const res = await fetch(`${sb.baseUrl}/tasks/${taskId}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** Creates a task and returns its id (fails the test on anything but 200). */
export async function createTask(sb: Sandbox, body: Record<string, unknown>): Promise<string> {
  const reply = await postCreate(sb, body);
  if (reply.status !== 200) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.output.task_id as string;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `wan-sandbox-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const BEIJING_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

/** Reads a body to its end or to the error that cut it, keeping the bytes that did arrive. */
export async function readPartial(res: Response): Promise<{ bytes: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/** `GET /tasks?…` with a key; `query` is the raw query string. */
export async function listTasks(sb: Sandbox, query = '', key = KEY): Promise<JsonReply> {
  const res = await fetch(`${sb.baseUrl}/tasks${query ? `?${query}` : ''}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function cancelTask(sb: Sandbox, taskId: string, key = KEY): Promise<JsonReply> {
  const res = await fetch(`${sb.baseUrl}/tasks/${taskId}/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export const t2v = (model: string, parameters: Record<string, unknown> = {}, prompt = 'a red kite over the sea') => ({
  model,
  input: { prompt },
  parameters,
});
