import { appendFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, JournalError, MAX_LINE_BYTES, TRUNCATED_TEXT_CHARS } from '../../../src/journal/index.js';
import { intent, steppingClock } from './records.js';

let dir: string;
let journal: Journal;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wan-journal-'));
  journal = new Journal(join(dir, 'state'), { now: steppingClock() });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(): Promise<string[]> {
  return (await readFile(journal.file, 'utf8')).split('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Journal', () => {
  it('records a task from intent to download, one JSON line per record', async () => {
    await journal.append(intent('a', { idempotencyKey: 'k', output: 'out.mp4' }));
    await journal.append({ type: 'created', id: 'a', taskId: 't-1', requestId: 'r-1' });
    await journal.append({ type: 'status', id: 'a', taskId: 't-1', status: 'RUNNING' });
    await journal.append({ type: 'status', id: 'a', taskId: 't-1', status: 'SUCCEEDED' });
    await journal.append({ type: 'downloaded', id: 'a', taskId: 't-1', file: 'out.mp4', bytes: 10, sha256: 'ff' });

    expect(journal.file).toBe(join(dir, 'state', 'journal.jsonl'));
    const text = await lines();
    expect(text).toHaveLength(6);
    expect(text.at(-1)).toBe('');
    expect(JSON.parse(text[0]!)).toMatchObject({ type: 'intent', id: 'a', at: '2025-01-01T00:00:00.000Z' });

    const [entry] = await journal.entries();
    expect(entry).toMatchObject({
      id: 'a',
      taskId: 't-1',
      requestId: 'r-1',
      status: 'SUCCEEDED',
      download: { file: 'out.mp4', bytes: 10, sha256: 'ff', at: '2025-01-01T00:00:04.000Z' },
      orphan: false,
      updatedAt: '2025-01-01T00:00:04.000Z',
    });
    expect(await journal.findByTaskId('t-1')).toEqual(entry);
    expect(await journal.pending()).toEqual([]);
  });

  it('uses a given `at` as is', async () => {
    await journal.append({ ...intent('a'), at: '2024-12-31T23:59:59.000Z' });
    expect((await journal.entries())[0]!.updatedAt).toBe('2024-12-31T23:59:59.000Z');
  });

  it('reads a missing journal as empty and creates nothing', async () => {
    expect(await journal.entries()).toEqual([]);
    expect(await journal.orphans()).toEqual([]);
    await expect(stat(join(dir, 'state'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lists orphans: intents with no task id and no certain failure', async () => {
    await journal.append(intent('died-during-post'));
    await journal.append(intent('timed-out'));
    await journal.append({ type: 'create-failed', id: 'timed-out', certain: false, message: 'timeout after send' });
    await journal.append(intent('rejected'));
    await journal.append({
      type: 'create-failed',
      id: 'rejected',
      certain: true,
      code: 'InvalidParameter',
      message: 'bad size',
    });
    expect((await journal.orphans()).map((e) => e.id)).toEqual(['died-during-post', 'timed-out']);
  });

  it('pending() keeps running and succeeded-not-downloaded tasks, not downloaded or dead ones', async () => {
    const statuses: Record<string, string | undefined> = {
      fresh: undefined,
      running: 'RUNNING',
      succeeded: 'SUCCEEDED',
      downloaded: 'SUCCEEDED',
      failed: 'FAILED',
      canceled: 'CANCELED',
      unknown: 'UNKNOWN',
    };
    for (const [id, status] of Object.entries(statuses)) {
      await journal.append(intent(id));
      await journal.append({ type: 'created', id, taskId: `t-${id}`, requestId: 'r' });
      if (status) await journal.append({ type: 'status', id, taskId: `t-${id}`, status });
    }
    await journal.append({
      type: 'downloaded',
      id: 'downloaded',
      taskId: 't-downloaded',
      file: 'x.mp4',
      bytes: 1,
      sha256: 'aa',
    });
    await journal.append(intent('orphan'));
    expect((await journal.pending()).map((e) => e.id)).toEqual(['fresh', 'running', 'succeeded']);
  });

  it('findByIdempotencyKey returns the newest intent with that key', async () => {
    await journal.append(intent('first', { idempotencyKey: 'same' }));
    await journal.append(intent('other', { idempotencyKey: 'different' }));
    await journal.append(intent('second', { idempotencyKey: 'same' }));
    expect((await journal.findByIdempotencyKey('same'))?.id).toBe('second');
    expect(await journal.findByIdempotencyKey('none')).toBeUndefined();
    expect(await journal.findByTaskId('none')).toBeUndefined();
  });

  describe('crash safety', () => {
    it('skips a torn last line, and the next append starts on a fresh line', async () => {
      await journal.append(intent('a'));
      // A crash in the middle of writing the `created` line:
      await appendFile(journal.file, '{"type":"created","id":"a","at":"2025-01-01T00:00:01.000Z","taskId":"t-');
      expect((await journal.entries()).map((e) => [e.id, e.taskId, e.orphan])).toEqual([['a', undefined, true]]);

      await journal.append({ type: 'created', id: 'a', taskId: 't-1', requestId: 'r-1' });
      const text = await lines();
      expect(text).toHaveLength(4);
      expect(text[1]).toMatch(/"taskId":"t-$/);
      expect(JSON.parse(text[2]!)).toMatchObject({ type: 'created', taskId: 't-1' });
      expect((await journal.entries()).map((e) => [e.id, e.taskId, e.orphan])).toEqual([['a', 't-1', false]]);
    });

    it('does not read a last line until its newline is there (it may be another process still writing)', async () => {
      await journal.append(intent('a'));
      const complete = JSON.stringify({
        type: 'created',
        id: 'a',
        at: '2025-01-01T00:00:01.000Z',
        taskId: 't-1',
        requestId: 'r',
      });
      await appendFile(journal.file, complete);
      expect((await journal.entries())[0]!.taskId).toBeUndefined();
      await appendFile(journal.file, '\n');
      expect((await journal.entries())[0]!.taskId).toBe('t-1');
    });

    it('skips garbage lines in the middle and keeps everything around them', async () => {
      await journal.append(intent('a'));
      await appendFile(
        journal.file,
        'not json\n{"type":"status"}\n{"type":"from-the-future","id":"a"}\n\n\u0000\u0000\u0000\n{"type":"created","id":"a"\n',
      );
      await journal.append({ type: 'created', id: 'a', taskId: 't-1', requestId: 'r-1' });
      await journal.append(intent('b'));
      expect((await journal.entries()).map((e) => [e.id, e.taskId ?? null])).toEqual([
        ['a', 't-1'],
        ['b', null],
      ]);
    });

    it('ignores fields it does not know (a newer wan wrote them)', async () => {
      await journal.append(intent('a'));
      await appendFile(
        journal.file,
        `${JSON.stringify({ type: 'created', id: 'a', at: '2025-01-01T00:00:09.000Z', taskId: 't', requestId: 'r', newField: 1 })}\n`,
      );
      expect((await journal.entries())[0]).not.toHaveProperty('newField');
      expect((await journal.entries())[0]!.taskId).toBe('t');
    });
  });

  describe('files and modes', () => {
    it('creates the state dir 0700 and the journal 0600', async () => {
      const nested = new Journal(join(dir, 'x', 'y', 'wan'));
      await nested.append(intent('a'));
      expect((await stat(join(dir, 'x', 'y', 'wan'))).mode & 0o777).toBe(0o700);
      expect((await stat(nested.file)).mode & 0o777).toBe(0o600);
    });

    it('leaves the mode of an existing state dir alone', async () => {
      await mkdir(join(dir, 'state'), { mode: 0o755 });
      await journal.append(intent('a'));
      expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o755);
      expect((await stat(journal.file)).mode & 0o777).toBe(0o600);
    });

    it('throws a JournalError naming the directory when the state dir cannot be created', async () => {
      await writeFile(join(dir, 'a-file'), '');
      const blocked = new Journal(join(dir, 'a-file', 'state'));
      const err = await failure(blocked.append(intent('a')));
      expect(err).toBeInstanceOf(JournalError);
      expect(err).toMatchObject({ name: 'JournalError', kind: 'state-dir', path: join(dir, 'a-file', 'state') });
      expect((err as Error).message).toContain(join(dir, 'a-file', 'state'));
      expect((err as Error).message).toMatch(/WAN_STATE_DIR/);
    });

    it('throws a JournalError naming the file when the journal cannot be written', async () => {
      await mkdir(journal.file, { recursive: true }); // a directory where the file should be
      const err = await failure(journal.append(intent('a')));
      expect(err).toMatchObject({ name: 'JournalError', kind: 'write', path: journal.file });
      expect((err as Error).message).toContain(journal.file);
    });
  });

  describe('secrets', () => {
    const key = 'sk-0123456789abcdef0123456789abcdef';

    it.each([
      ['the prompt', intent('a', { prompt: `a boat ${key}` })],
      ['the negative prompt', intent('a', { negativePrompt: key })],
      ['a parameter', intent('a', { parameters: { nested: { deep: [key] } } })],
      ['the output path', intent('a', { output: `/tmp/${key}.mp4` })],
      [
        'a service message',
        { type: 'status' as const, id: 'a', taskId: 't', status: 'FAILED', message: `Invalid key ${key}` },
      ],
    ])('refuses a key-looking string in %s and writes nothing', async (_where, record) => {
      const err = await failure(journal.append(record));
      expect(err).toMatchObject({ name: 'JournalError', kind: 'secret' });
      expect((err as Error).message).not.toContain(key);
      await expect(stat(journal.file)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('refuses a key hidden in the part of a huge prompt that truncation would drop', async () => {
      const err = await failure(journal.append(intent('a', { prompt: `${'x '.repeat(50_000)}${key}` })));
      expect(err).toMatchObject({ kind: 'secret' });
    });

    it('accepts look-alikes that are not keys', async () => {
      await journal.append(intent('a', { prompt: 'task-0123456789 desk-abcdefghijkl sk-short' }));
      expect(await journal.entries()).toHaveLength(1);
    });
  });

  describe('size limit', () => {
    it(`cuts a huge prompt to ${TRUNCATED_TEXT_CHARS} characters, marks it, and keeps the hash`, async () => {
      const prompt = '雨'.repeat(100_000);
      await journal.append(intent('a', { prompt, negativePrompt: 'n'.repeat(70_000), requestHash: 'full-hash' }));
      const text = await lines();
      expect(Buffer.byteLength(text[0]!)).toBeLessThan(MAX_LINE_BYTES);
      const [entry] = await journal.entries();
      expect(entry!.intent).toMatchObject({ promptTruncated: true, requestHash: 'full-hash' });
      expect(entry!.intent.prompt).toBe('雨'.repeat(TRUNCATED_TEXT_CHARS));
      expect(entry!.intent.negativePrompt).toHaveLength(TRUNCATED_TEXT_CHARS);
    });

    it('leaves a prompt that fits alone', async () => {
      await journal.append(intent('a', { prompt: 'p'.repeat(50_000) }));
      const [entry] = await journal.entries();
      expect(entry!.intent.prompt).toHaveLength(50_000);
      expect(entry!.intent).not.toHaveProperty('promptTruncated');
    });

    it('refuses a record that cannot be made small enough', async () => {
      const err = await failure(journal.append(intent('a', { parameters: { blob: 'b'.repeat(MAX_LINE_BYTES) } })));
      expect(err).toMatchObject({ name: 'JournalError', kind: 'too-large' });
    });

    it('rejects a malformed record as a bug (TypeError), writing nothing', async () => {
      await expect(journal.append({ type: 'created', id: 'a', taskId: '', requestId: 'r' })).rejects.toThrow(TypeError);
      await expect(journal.append({ ...intent('a'), at: 'yesterday' })).rejects.toThrow(TypeError);
      await expect(stat(journal.file)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('reading', () => {
    it('sees what another instance (another process) appended since the last read', async () => {
      const other = new Journal(join(dir, 'state'));
      await journal.append(intent('a'));
      expect(await other.entries()).toHaveLength(1);
      await journal.append(intent('b'));
      await journal.append({ type: 'created', id: 'a', taskId: 't-a', requestId: 'r' });
      expect((await other.entries()).map((e) => [e.id, e.taskId ?? null])).toEqual([
        ['a', 't-a'],
        ['b', null],
      ]);
    });

    it('re-reads everything when the file is replaced', async () => {
      await journal.append(intent('a'));
      await journal.append(intent('b'));
      expect(await journal.entries()).toHaveLength(2);
      const replacement = join(dir, 'state', 'new.jsonl');
      const first = (await lines())[0]!;
      await writeFile(replacement, `${first}\n`);
      await rename(replacement, journal.file);
      expect((await journal.entries()).map((e) => e.id)).toEqual(['a']);
    });

    it('serves concurrent reads consistently', async () => {
      for (const id of ['a', 'b', 'c']) await journal.append(intent(id));
      const results = await Promise.all([journal.entries(), journal.pending(), journal.orphans(), journal.entries()]);
      expect(results.map((r) => r.length)).toEqual([3, 0, 3, 3]);
    });

    it('hands out entries that cannot corrupt later reads', async () => {
      await journal.append(intent('a'));
      const [entry] = await journal.entries();
      expect(() => {
        (entry!.intent as { prompt: string }).prompt = 'changed';
      }).toThrow(TypeError);
      entry!.status = 'SUCCEEDED'; // the entry itself is the caller's
      expect((await journal.entries())[0]).toMatchObject({ intent: { prompt: 'prompt of a' } });
      expect((await journal.entries())[0]!.status).toBeUndefined();
    });
  });
});
