import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { asyncHeaders, cancelTask, fakeClock, getTask, KEY, listTasks, postCreate, t2v, UUID } from './helpers.js';

/**
 * A task belongs to the key that created it (one key stands for one account in the sandbox): to any
 * other key it is exactly as unknown as an id that never existed (dashscope-api.md §4.2, §1.2).
 */

const clock = fakeClock();
const OTHER = 'sk-someone-else';
const NEVER = '00000000-0000-4000-8000-000000000000';
let sb: Sandbox;

async function create(key: string): Promise<string> {
  const reply = await postCreate(sb, t2v('wan2.2-t2v-plus', { size: '832*480' }), asyncHeaders(key));
  expect(reply.status).toBe(200);
  return reply.body.output.task_id as string;
}

/** A reply without its request_id, which is fresh on every answer. */
const sameAs = (body: Record<string, unknown>) => {
  const { request_id, ...rest } = body;
  expect(request_id).toMatch(UUID);
  return rest;
};

beforeAll(async () => {
  sb = await startSandbox({ clock, pendingMs: 60_000, runningMs: 60_000 });
});
afterAll(() => sb.close());

describe('tasks belong to the key that created them', () => {
  it("answers a query with another key's task as it answers an unknown id: 200 UNKNOWN", async () => {
    const id = await create(KEY);
    const mine = await getTask(sb, id);
    expect(mine.body.output.task_status).toBe('PENDING');

    const theirs = await getTask(sb, id, OTHER);
    const unknown = await getTask(sb, NEVER, OTHER);
    expect(theirs.status).toBe(unknown.status);
    expect(theirs.status).toBe(200);
    expect(sameAs(theirs.body)).toEqual({ output: { task_id: id, task_status: 'UNKNOWN' } });
    expect(sameAs(unknown.body)).toEqual({ output: { task_id: NEVER, task_status: 'UNKNOWN' } });
  });

  it("refuses to cancel another key's task as it refuses an unknown id, and the task runs on", async () => {
    const id = await create(KEY);
    const theirs = await cancelTask(sb, id, OTHER);
    const unknown = await cancelTask(sb, NEVER, OTHER);
    expect(theirs.status).toBe(unknown.status);
    expect(sameAs(theirs.body)).toEqual(sameAs(unknown.body));
    expect(theirs.status).toBe(400);
    expect(theirs.body.code).toBe('UnsupportedOperation');

    expect((await getTask(sb, id)).body.output.task_status).toBe('PENDING');
    expect((await cancelTask(sb, id)).status).toBe(200);
    expect((await getTask(sb, id)).body.output.task_status).toBe('CANCELED');
  });

  it("lists only the caller's own tasks", async () => {
    const theirs = await create(OTHER);
    const mine = (await listTasks(sb)).body.data.map((t: { task_id: string }) => t.task_id);
    const listed = (await listTasks(sb, '', OTHER)).body;
    expect(listed.total).toBe(1);
    expect(listed.data.map((t: { task_id: string }) => t.task_id)).toEqual([theirs]);
    expect(mine).not.toContain(theirs);
    expect(mine.length).toBeGreaterThan(0);
    // Asking for the other key's task by id does not reveal it either.
    expect((await listTasks(sb, `task_id=${theirs}`)).body.total).toBe(0);
  });
});
