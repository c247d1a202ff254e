/**
 * When the watcher looks at its tasks, and how. A query nobody needed costs one of the account's 20
 * per second (dashscope-api.md §6.1); a batch slot freed a second late costs the whole batch a
 * second. Pure logic over numbers (ms), tested without a clock.
 *
 * - Steady (`wan wait`): the first look at once, then one every interval, the last one at the
 *   deadline.
 * - Eager (`wan batch`, which waits for slots): a task is looked at when its age has grown by a
 *   fifth (at 1 s, 1.2 s, 1.44 s … after its create), and, once a task of its kind (model, size,
 *   duration) has ended, the moment that time is up, asked for alone: that one query is also the
 *   one that fetches its video URL, so its slot goes to the next line at once. Still running: asked
 *   again after 50 ms (or 2 % of the expected time), then twice as long each time.
 * - With two tasks or more, one `GET /tasks` list covers them all, at least every interval.
 */

/** The first eager look at a task with no expected time, after its create was answered. */
export const FIRST_LOOK_MS = 1000;
/** A task's age grows by this fraction between eager looks while its end is not expected. */
export const AGE_STEP = 0.2;
/** A task past its expected time is asked again after this (or this fraction of it), doubling. */
export const OVERDUE_STEP_MS = 50;
export const OVERDUE_STEP_FRACTION = 0.02;

export interface PolledTask {
  /** Client time the task's create was answered (or, for a task taken over, its submission), ms. */
  createdAt: number;
  /** When it was last looked at, ms; undefined before the first look. */
  seenAt?: number;
  /** Stop waiting at this time, ms. */
  deadline: number;
  /** How long tasks of its kind took, ms, when one has ended (eager only). */
  expectedMs?: number;
}

/** When a task should be looked at next, and whether for an expected end (then asked for alone). */
export function nextLook(task: PolledTask, interval: number, eager: boolean): { at: number; expected: boolean } {
  const at = eager ? eagerLook(task) : task.seenAt === undefined ? 0 : task.seenAt + interval;
  return { at: Math.min(at, task.deadline), expected: eager && task.expectedMs !== undefined };
}

function eagerLook(task: PolledTask): number {
  const seenAt = task.seenAt ?? task.createdAt;
  const age = Math.max(0, seenAt - task.createdAt);
  if (task.expectedMs !== undefined) {
    const due = task.createdAt + task.expectedMs;
    if (due > seenAt) return due;
    const step = Math.max(OVERDUE_STEP_MS, task.expectedMs * OVERDUE_STEP_FRACTION);
    return seenAt + Math.max(step, Math.min(seenAt - due, age * AGE_STEP));
  }
  return task.createdAt + Math.max(FIRST_LOOK_MS, age * (1 + AGE_STEP));
}

export type PollStep = { kind: 'sleep'; until: number } | { kind: 'list' } | { kind: 'query'; indexes: number[] };

/**
 * What to do at `now`: sleep until a look (or the list, `listDue`, when listing) is due; else, when
 * listing, ask for the one task whose expected end is up alone, or list them all; when not
 * listing, ask for each task that is due.
 */
export function planPoll(
  looks: readonly { at: number; expected: boolean }[],
  listing: boolean,
  listDue: number,
  now: number,
): PollStep {
  let next = listing ? listDue : Number.POSITIVE_INFINITY;
  for (const look of looks) next = Math.min(next, look.at);
  if (next > now) return { kind: 'sleep', until: next };
  const due = looks.flatMap((look, index) => (look.at <= now ? [index] : []));
  if (!listing) return { kind: 'query', indexes: due };
  if (now < listDue && due.length === 1 && looks[due[0]!]!.expected) return { kind: 'query', indexes: due };
  return { kind: 'list' };
}

/**
 * The shortest time tasks of each kind took, as the service timed them (or as seen here). The
 * shortest rather than the mean: asking a moment early costs one query, asking late a slot's wait.
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
