import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Three workers on the 2-core machines: a third of the suite's time is waiting (child processes,
    // sockets, retries' sleeps), so a third worker fills it. Cold cache, 2 cores: 98 s with two, 78 s
    // with three; four made the machine so busy that timing-bound tests came close to their limits.
    maxWorkers: 3,
    // No test keeps state in modules: a worker imports src/ once for all its files instead of once
    // per file, which halves the suite's CPU time (test/unit 65 s → 36 s, test/commands 23 s → 12 s).
    isolate: false,
  },
});
