import { WanError } from './wan-error.js';

/** A flag or argument the CLI cannot accept; `flag` is how the user wrote it (`--size`). Exit 2, nothing sent. */
export class UsageError extends WanError {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly flag?: string,
  ) {
    super(flag ? `${flag}: ${message}` : message);
  }
}
