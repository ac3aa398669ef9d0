import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault-injection scenarios run separately: `npm run test:faults` (vitest.faults.config.ts),
    // and so does the real-kernel tier: `npm run test:hil` (vitest.hil.config.ts).
    exclude: ['test/faults/**', 'test/hil/**', 'test/package/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suite starts brokers, child processes and LevelDB stores; two cores are the budget.
    maxWorkers: 2,
  },
});
