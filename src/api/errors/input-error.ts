import { WanError } from './wan-error.js';

/**
 * Input that cannot be sent: caught before any request. `field` is the option's name in the
 * library (`size`, `duration`, …); the CLI renders it as its flag.
 */
export class InputError extends WanError {
  override readonly name = 'InputError';
  constructor(
    readonly field: string,
    message: string,
    /** The values that would have been accepted, when the set is small enough to list. */
    readonly allowed?: readonly (string | number)[],
  ) {
    super(message);
  }
}
