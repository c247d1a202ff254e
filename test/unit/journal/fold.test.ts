import { describe, expect, it } from 'vitest';
import { foldRecords, type IntentRecord, isPending, type JournalRecord } from '../../../src/journal/index.js';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();

function intent(id: string, s = 0): IntentRecord {
  return {
    type: 'intent',
    id,
    at: at(s),
    region: 'cn-beijing',
    baseUrl: 'https://dashscope.aliyuncs.com/api/v1',
    model: 'wan2.2-t2v-plus',
    prompt: 'a boat',
    parameters: {},
    requestHash: 'h',
  };
}

describe('foldRecords', () => {
  it('folds intent → created → RUNNING → SUCCEEDED → downloaded into one entry', () => {
    const [entry, ...rest] = foldRecords([
      intent('a', 0),
      { type: 'created', id: 'a', at: at(1), taskId: 't-1', requestId: 'r-1', submitTime: '2025-01-01 08:00:01.000' },
      { type: 'status', id: 'a', at: at(2), taskId: 't-1', status: 'RUNNING' },
      {
        type: 'status',
        id: 'a',
        at: at(3),
        taskId: 't-1',
        status: 'SUCCEEDED',
        endTime: '2025-01-01 08:00:03.000',
        videoExpiresAt: at(86_403),
      },
      { type: 'downloaded', id: 'a', at: at(4), taskId: 't-1', file: 'out.mp4', bytes: 123, sha256: 'ab' },
    ]);
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      id: 'a',
      intent: intent('a', 0),
      taskId: 't-1',
      requestId: 'r-1',
      status: 'SUCCEEDED',
      endTime: '2025-01-01 08:00:03.000',
      videoExpiresAt: at(86_403),
      download: { file: 'out.mp4', bytes: 123, sha256: 'ab', at: at(4) },
      orphan: false,
      updatedAt: at(4),
    });
    expect(isPending(entry!)).toBe(false);
  });

  it('marks an intent without task id or certain failure as an orphan', () => {
    const entries = foldRecords([
      intent('lost', 0),
      intent('uncertain', 1),
      { type: 'create-failed', id: 'uncertain', at: at(2), certain: false, message: 'socket hang up after sending' },
      intent('certain', 3),
      {
        type: 'create-failed',
        id: 'certain',
        at: at(4),
        certain: true,
        code: 'InvalidParameter',
        message: 'bad size',
        requestId: 'r-9',
      },
      intent('created', 5),
      { type: 'created', id: 'created', at: at(6), taskId: 't-2', requestId: 'r-2' },
    ]);
    expect(entries.map((e) => [e.id, e.orphan])).toEqual([
      ['lost', true],
      ['uncertain', true],
      ['certain', false],
      ['created', false],
    ]);
    expect(entries[1]!.createFailed).toEqual({ certain: false, message: 'socket hang up after sending' });
    expect(entries[2]!.createFailed).toEqual({ certain: true, code: 'InvalidParameter', message: 'bad size' });
    expect(entries[2]!.requestId).toBe('r-9');
  });

  it('an orphan reconciled later (created after an uncertain failure) is no longer an orphan', () => {
    const [entry] = foldRecords([
      intent('a'),
      { type: 'create-failed', id: 'a', at: at(1), certain: false, message: 'timeout' },
      { type: 'created', id: 'a', at: at(2), taskId: 't-1', requestId: 'r-1' },
    ]);
    expect(entry).toMatchObject({ orphan: false, taskId: 't-1', createFailed: { certain: false } });
  });

  it('a late non-terminal status does not overwrite a terminal one', () => {
    const [entry] = foldRecords([
      intent('a'),
      { type: 'created', id: 'a', at: at(1), taskId: 't', requestId: 'r' },
      { type: 'status', id: 'a', at: at(2), taskId: 't', status: 'SUCCEEDED', endTime: 'e' },
      { type: 'status', id: 'a', at: at(1), taskId: 't', status: 'RUNNING' },
    ]);
    expect(entry).toMatchObject({ status: 'SUCCEEDED', endTime: 'e', updatedAt: at(2) });
  });

  it('keeps code and message of the current status only', () => {
    const [entry] = foldRecords([
      intent('a'),
      { type: 'status', id: 'a', at: at(1), taskId: 't', status: 'PENDING', message: 'queued' },
      {
        type: 'status',
        id: 'a',
        at: at(2),
        taskId: 't',
        status: 'FAILED',
        code: 'DataInspectionFailed',
        message: 'inappropriate content',
      },
    ]);
    expect(entry).toMatchObject({
      taskId: 't',
      status: 'FAILED',
      code: 'DataInspectionFailed',
      message: 'inappropriate content',
    });
    expect(isPending(entry!)).toBe(false);
  });

  it('drops records whose intent is missing and keeps the first of duplicated intents', () => {
    const first = intent('a', 0);
    const entries = foldRecords([
      { type: 'created', id: 'ghost', at: at(0), taskId: 't', requestId: 'r' },
      first,
      { ...intent('a', 5), prompt: 'other' },
    ]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.intent).toBe(first);
  });

  it.each([
    ['created, no status yet', [], true],
    ['RUNNING', ['RUNNING'], true],
    ['SUCCEEDED, not downloaded', ['SUCCEEDED'], true],
    ['FAILED', ['FAILED'], false],
    ['CANCELED', ['CANCELED'], false],
    ['UNKNOWN', ['UNKNOWN'], false],
  ])('isPending: %s → %s', (_name, statuses, pending) => {
    const [entry] = foldRecords([
      intent('a'),
      { type: 'created', id: 'a', at: at(1), taskId: 't', requestId: 'r' },
      ...statuses.map((status, i): JournalRecord => ({ type: 'status', id: 'a', at: at(2 + i), taskId: 't', status })),
    ]);
    expect(isPending(entry!)).toBe(pending);
  });
});
