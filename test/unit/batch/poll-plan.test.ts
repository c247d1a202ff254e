import { describe, expect, it } from 'vitest';
import { FIRST_LOOK_MS, nextLook, OVERDUE_STEP_MS, planPoll, TaskDurations } from '../../../src/batch/poll-plan.js';

describe('nextLook', () => {
  it('a task with no expected time: first at 1 s, then each time its age has grown by a fifth', () => {
    const task = { createdAt: 10_000 };
    expect(nextLook(task, 10_000)).toBe(10_000 + FIRST_LOOK_MS);
    expect(nextLook(task, 10_500)).toBe(11_000);
    expect(nextLook(task, 11_000)).toBe(11_200);
    expect(nextLook(task, 11_200)).toBe(11_440);
    // A long task: 60 s old, looked at again 12 s on (the list interval caps that in planPoll).
    expect(nextLook(task, 70_000)).toBe(82_000);
  });

  it('a task with an expected time is looked at the moment it is up', () => {
    const task = { createdAt: 10_000, expectedMs: 2000 };
    expect(nextLook(task, 10_000)).toBe(12_000);
    expect(nextLook(task, 11_900)).toBe(12_000);
  });

  it('past its expected time: again after 50 ms, then the overdue time, at most a fifth of its age', () => {
    const task = { createdAt: 10_000, expectedMs: 2000 };
    expect(nextLook(task, 12_000)).toBe(12_000 + OVERDUE_STEP_MS);
    expect(nextLook(task, 12_050)).toBe(12_100);
    expect(nextLook(task, 12_100)).toBe(12_200);
    expect(nextLook(task, 12_200)).toBe(12_400);
    expect(nextLook(task, 14_000)).toBe(14_800); // 2 s overdue, 4 s old: a fifth of its age
  });

  it('a long task past its expected time: the first step is 2 % of that time', () => {
    const task = { createdAt: 0, expectedMs: 60_000 };
    expect(nextLook(task, 60_000)).toBe(61_200);
    expect(nextLook(task, 61_200)).toBe(62_400);
    expect(nextLook(task, 62_400)).toBe(64_800);
  });

  it('always lies after the look it follows, so a failing look cannot spin', () => {
    for (const task of [{ createdAt: 0 }, { createdAt: 0, expectedMs: 1 }, { createdAt: 5000, expectedMs: 100 }]) {
      for (const seen of [0, 1, 999, 1000, 5000, 5100, 60_000]) expect(nextLook(task, seen)).toBeGreaterThan(seen);
    }
  });
});

describe('planPoll', () => {
  it('sleeps until the earliest look or the list interval, whichever is first', () => {
    expect(
      planPoll(
        [
          { at: 3000, expected: true },
          { at: 2500, expected: false },
        ],
        5000,
        1000,
      ),
    ).toEqual({ kind: 'sleep', until: 2500 });
    expect(planPoll([{ at: 9000, expected: true }], 5000, 1000)).toEqual({ kind: 'sleep', until: 5000 });
  });

  it('one task whose expected end is up is asked for alone', () => {
    expect(
      planPoll(
        [
          { at: 9000, expected: true },
          { at: 2000, expected: true },
        ],
        5000,
        2000,
      ),
    ).toEqual({ kind: 'query', index: 1 });
  });

  it('a list when the interval is up, several tasks are due, or a task with no expected time is', () => {
    expect(planPoll([{ at: 2000, expected: true }], 2000, 2000)).toEqual({ kind: 'list' });
    expect(
      planPoll(
        [
          { at: 1900, expected: true },
          { at: 2000, expected: true },
        ],
        5000,
        2000,
      ),
    ).toEqual({ kind: 'list' });
    expect(planPoll([{ at: 2000, expected: false }], 5000, 2000)).toEqual({ kind: 'list' });
  });
});

describe('TaskDurations', () => {
  it('keeps the shortest time of each kind, ignoring nonsense', () => {
    const d = new TaskDurations();
    expect(d.expected('a')).toBeUndefined();
    d.note('a', 3000);
    d.note('a', 2000);
    d.note('a', 2500);
    d.note('a', 0);
    d.note('a', Number.NaN);
    d.note('b', 9000);
    expect(d.expected('a')).toBe(2000);
    expect(d.expected('b')).toBe(9000);
  });
});
