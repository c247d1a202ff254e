/**
 * "Something changed": the batch's loops sleep on it when they have nothing to do (no task to
 * poll, a lane waiting for a requeued line) and are woken by whoever changes their state.
 */
export class Notifier {
  private waiters: Array<() => void> = [];

  /** Resolves at the next notify(). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
