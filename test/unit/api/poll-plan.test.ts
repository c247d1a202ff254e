import { describe, expect, it } from 'vitest';
import { FIRST_LOOK_MS, nextLook, OVERDUE_STEP_MS, planPoll, TaskDurations } from '../../../src/api/poll-plan.js';

const FAR = Number.POSITIVE_INFINITY;
const eager = (task: { createdAt: number; seenAt?: number; expectedMs?: number }) =>
  nextLook({ deadline: FAR, ...task }, 5000, true).at;

describe('nextLook, steady (wan wait)', () => {
  it('looks at once, then every interval, the last look at the deadline', () => {
    expect(nextLook({ createdAt: 0, deadline: 12_000 }, 5000, false).at).toBe(0);
    expect(nextLook({ createdAt: 0, seenAt: 0, deadline: 12_000 }, 5000, false).at).toBe(5000);
    expect(nextLook({ createdAt: 0, seenAt: 10_000, deadline: 12_000 }, 5000, false).at).toBe(12_000);
  });
});

describe('nextLook, eager (wan batch)', () => {
  it('a task with no expected time: first at 1 s, then each time its age has grown by a fifth', () => {
    expect(eager({ createdAt: 10_000 })).toBe(10_000 + FIRST_LOOK_MS);
    expect(eager({ createdAt: 10_000, seenAt: 10_500 })).toBe(11_000);
    expect(eager({ createdAt: 10_000, seenAt: 11_000 })).toBe(11_200);
    expect(eager({ createdAt: 10_000, seenAt: 11_200 })).toBe(11_440);
    expect(eager({ createdAt: 10_000, seenAt: 70_000 })).toBe(82_000);
  });

  it('a task with an expected time is looked at the moment it is up, asked for alone', () => {
    expect(eager({ createdAt: 10_000, expectedMs: 2000 })).toBe(12_000);
    expect(eager({ createdAt: 10_000, seenAt: 11_900, expectedMs: 2000 })).toBe(12_000);
    expect(nextLook({ createdAt: 0, deadline: FAR, expectedMs: 1 }, 5000, true).expected).toBe(true);
  });

  it('past its expected time: again after 50 ms, then the overdue time, at most a fifth of its age', () => {
    const task = { createdAt: 10_000, expectedMs: 2000 };
    expect(eager({ ...task, seenAt: 12_000 })).toBe(12_000 + OVERDUE_STEP_MS);
    expect(eager({ ...task, seenAt: 12_050 })).toBe(12_100);
    expect(eager({ ...task, seenAt: 12_200 })).toBe(12_400);
    expect(eager({ ...task, seenAt: 14_000 })).toBe(14_800);
  });

  it('always lies after the look it follows, so a failing look cannot spin', () => {
    for (const task of [{ createdAt: 0 }, { createdAt: 0, expectedMs: 1 }, { createdAt: 5000, expectedMs: 100 }]) {
      for (const seenAt of [0, 1, 999, 1000, 5000, 5100, 60_000])
        expect(eager({ ...task, seenAt })).toBeGreaterThan(seenAt);
    }
  });
});

describe('planPoll', () => {
  it('sleeps until the earliest look, or the list when listing', () => {
    const looks = [
      { at: 3000, expected: true },
      { at: 2500, expected: false },
    ];
    expect(planPoll(looks, true, 5000, 1000)).toEqual({ kind: 'sleep', until: 2500 });
    expect(planPoll([{ at: 9000, expected: true }], true, 5000, 1000)).toEqual({ kind: 'sleep', until: 5000 });
    expect(planPoll([{ at: 9000, expected: true }], false, 5000, 1000)).toEqual({ kind: 'sleep', until: 9000 });
  });

  it('listing: one task whose expected end is up is asked for alone; otherwise one list', () => {
    const looks = [
      { at: 9000, expected: true },
      { at: 2000, expected: true },
    ];
    expect(planPoll(looks, true, 5000, 2000)).toEqual({ kind: 'query', indexes: [1] });
    expect(planPoll([{ at: 2000, expected: true }], true, 2000, 2000)).toEqual({ kind: 'list' });
    expect(planPoll([{ at: 2000, expected: false }], true, 5000, 2000)).toEqual({ kind: 'list' });
  });

  it('not listing: every task that is due is asked for', () => {
    const looks = [
      { at: 1000, expected: false },
      { at: 9000, expected: false },
      { at: 2000, expected: false },
    ];
    expect(planPoll(looks, false, 0, 2000)).toEqual({ kind: 'query', indexes: [0, 2] });
  });
});

describe('TaskDurations', () => {
  it('keeps the shortest time per kind, ignoring nonsense', () => {
    const d = new TaskDurations();
    d.note('a', 5000);
    d.note('a', 3000);
    d.note('a', 4000);
    d.note('b', Number.NaN);
    d.note('b', -1);
    expect(d.expected('a')).toBe(3000);
    expect(d.expected('b')).toBeUndefined();
  });
});
