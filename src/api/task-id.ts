import { InputError } from './errors/input-error.js';
import { ResponseShapeError } from './errors/response-shape-error.js';

/**
 * Task ids are UUID-like. Anything else is refused before it can reach a URL path or a file name
 * (`../x`, spaces, encoded slashes), and the id is escaped anyway when it is used.
 */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The id, checked. Given by the user: an InputError. Given by the service (`operation` names the
 * call that answered it): a ResponseShapeError, since the id goes into paths and file names.
 */
export function checkTaskId(taskId: string, operation?: string): string {
  if (!TASK_ID.test(taskId)) {
    const shown = taskId.length > 60 ? `${taskId.slice(0, 60)}…` : taskId;
    const detail = `"${shown}" is not a task id (letters, digits, - and _, at most 128 characters, as printed by wan create)`;
    if (operation) throw new ResponseShapeError(operation, 200, `output.task_id ${detail}`);
    throw new InputError('taskId', detail);
  }
  return taskId;
}
