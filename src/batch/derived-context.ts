import type { CommandContext } from '../commands/context.js';
import type { Ui } from '../output/ui.js';

/**
 * The same context (config, client, journal, clock) seen with another `ui` or `signal`. A batch
 * gives `saveVideo` a quiet Ui, so its own progress bar does not fight the batch's display, and
 * gives `createTracked` a signal that Ctrl-C does not fire: a create POST already under way is
 * let finish (it takes well under a second) so its task id reaches the journal, instead of being
 * cut off with the task maybe made and paid for but unknown.
 */
export function deriveContext(ctx: CommandContext, overrides: { ui?: Ui; signal?: AbortSignal }): CommandContext {
  return new Proxy(ctx, {
    get(target, property) {
      if (property === 'ui' && overrides.ui) return overrides.ui;
      if (property === 'signal' && overrides.signal) return overrides.signal;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
