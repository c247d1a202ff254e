import { describe, expect, it } from 'vitest';
import { Notifier } from '../../../src/batch/notifier.js';

describe('Notifier', () => {
  it('wakes every waiter at notify()', async () => {
    const n = new Notifier();
    const woken: number[] = [];
    const waits = [1, 2].map((i) => n.wait().then(() => woken.push(i)));
    n.notify();
    await Promise.all(waits);
    expect(woken).toEqual([1, 2]);
  });

  it('drops a wait whose signal aborts, so waits given up on do not pile up', async () => {
    const n = new Notifier();
    for (let i = 0; i < 1000; i++) {
      const over = new AbortController();
      const wait = n.wait(over.signal);
      over.abort();
      await wait;
    }
    // @ts-expect-error private
    expect(n.waiters).toHaveLength(0);
    const kept = n.wait();
    // @ts-expect-error private
    expect(n.waiters).toHaveLength(1);
    n.notify();
    await kept;
  });

  it('resolves at once for a signal already aborted', async () => {
    const n = new Notifier();
    await n.wait(AbortSignal.abort());
    // @ts-expect-error private
    expect(n.waiters).toHaveLength(0);
  });
});
