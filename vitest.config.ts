import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The e2e tests start real processes; two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
