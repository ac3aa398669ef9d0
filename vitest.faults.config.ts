import { defineConfig } from 'vitest/config';

// Fault-injection suite (`npm run test:faults`): drives the built daemon against real brokers.
// Kept out of the fast `npm test` (see vitest.config.ts exclude). Budget: under 10 minutes in total.
// Each scenario appends one JSON object per line to test-output/faults/results.jsonl
// ({ scenario, promise, accepted, delivered, lost, duplicates, ...figures }).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    // Builds dist/ when stale and empties test-output/faults/results.jsonl once per run.
    globalSetup: ['test/faults/helpers-global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    // Scenarios start brokers and child daemons and measure timings; two cores are shared.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
