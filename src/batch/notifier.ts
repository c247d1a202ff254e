/**
 * "Something changed": the batch's loops sleep on it when they have nothing to do (no task to
 * poll, a lane waiting for a requeued line) and are woken by whoever changes their state.
 */
export class Notifier {
  private waiters: Array<() => void> = [];

  /**
   * Resolves at the next notify(), or as soon as `signal` aborts: a wait given up on is dropped
   * at once, so a loop that waits for a change or a timeout, again and again, leaves nothing behind.
   */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const drop = () => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve();
      };
      const wake = () => {
        signal?.removeEventListener('abort', drop);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', drop, { once: true });
    });
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
