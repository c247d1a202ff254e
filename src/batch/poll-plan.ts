/**
 * When a batch looks at its tasks, and how. A slot freed a second late costs the whole batch a
 * second; a query nobody needed costs one of the account's 20 per second (§6.1). Pure logic over
 * numbers (ms), tested without a clock.
 *
 * - One `GET /tasks` list covers every task in flight, at most `interval` after the previous list:
 *   each task's end is noticed within one interval whatever happens.
 * - A task of a kind (model, size, duration) that has ended before is expected to take as long as
 *   the shortest of those took. When that time is up it is asked for on its own (`GET /tasks/{id}`):
 *   one query that, when the expectation holds, is also the one that fetches its video URL — so it
 *   costs nothing extra, and the slot is taken again at once. Still running: asked again after
 *   50 ms (or 2 % of the expected time), then twice as long each time, until a fifth of its age
 *   or the next list: a slower task costs a few queries, a 1-minute one about three.
 * - A task with no expectation is looked at when its age has grown by a fifth (at 1 s, 1.2 s,
 *   1.44 s …), by a list: its end is noticed after at most a fifth more than it took, and a long
 *   task costs a handful of extra lists at its start, then one per interval.
 */

/** The first look at a task with no expected time, after its create was answered. */
export const FIRST_LOOK_MS = 1000;
/** A task's age grows by this fraction between looks while its end is not expected. */
export const AGE_STEP = 0.2;
/**
 * A task past its expected time is asked again after this, or this fraction of the expected time
 * if longer, then twice as long each time.
 */
export const OVERDUE_STEP_MS = 50;
export const OVERDUE_STEP_FRACTION = 0.02;

export interface PolledTask {
  /** Client time the task's create was answered (or, for a task taken over, its submission at the latest), ms. */
  createdAt: number;
  /** How long tasks of its kind are expected to take, ms, if one has ended. */
  expectedMs?: number;
}

/** When a task last looked at (or created) at `seenAt` should be looked at next. */
export function nextLook(task: PolledTask, seenAt: number): number {
  const age = Math.max(0, seenAt - task.createdAt);
  if (task.expectedMs !== undefined) {
    const due = task.createdAt + task.expectedMs;
    if (due > seenAt) return due;
    const overdue = seenAt - due;
    const step = Math.max(OVERDUE_STEP_MS, task.expectedMs * OVERDUE_STEP_FRACTION);
    return seenAt + Math.max(step, Math.min(overdue, age * AGE_STEP));
  }
  return task.createdAt + Math.max(FIRST_LOOK_MS, age * (1 + AGE_STEP));
}

export interface Look {
  /** When the task wants its next look. */
  at: number;
  /** The look is for an expected end (asked for alone), not an age step (a list). */
  expected: boolean;
}

export type PollStep = { kind: 'sleep'; until: number } | { kind: 'list' } | { kind: 'query'; index: number };

/**
 * What to do at `now`: sleep until the next look or list is due; else ask for the one task whose
 * expected end is up; else (the interval is up, several tasks are due, or a task with no
 * expectation is) one list for all.
 */
export function planPoll(looks: readonly Look[], listDue: number, now: number): PollStep {
  let next = listDue;
  for (const look of looks) next = Math.min(next, look.at);
  if (next > now) return { kind: 'sleep', until: next };
  if (now >= listDue) return { kind: 'list' };
  const due = looks.flatMap((look, index) => (look.at <= now ? [{ look, index }] : []));
  if (due.length === 1 && due[0]!.look.expected) return { kind: 'query', index: due[0]!.index };
  return { kind: 'list' };
}

/**
 * The shortest time tasks of each kind took, as the service timed them (or as the batch saw
 * them, when the list gives no times). The shortest rather than the mean: asking a moment early
 * costs one query, asking late costs the freed slot's wait.
 */
export class TaskDurations {
  private readonly shortest = new Map<string, number>();

  note(kind: string, ms: number): void {
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    const known = this.shortest.get(kind);
    if (known === undefined || ms < known) this.shortest.set(kind, ms);
  }

  expected(kind: string): number | undefined {
    return this.shortest.get(kind);
  }
}
