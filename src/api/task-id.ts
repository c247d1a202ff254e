import { InputError } from './errors/input-error.js';

/**
 * Task ids are UUID-like. Anything else is refused before it can reach a URL path
 * (`../x`, spaces, encoded slashes), and the id is escaped anyway when it is used.
 */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function checkTaskId(taskId: string): string {
  if (!TASK_ID.test(taskId)) {
    const shown = taskId.length > 60 ? `${taskId.slice(0, 60)}…` : taskId;
    throw new InputError(
      'taskId',
      `"${shown}" is not a task id (letters, digits, - and _, at most 128 characters, as printed by wan create)`,
    );
  }
  return taskId;
}
