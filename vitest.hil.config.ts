import { defineConfig } from 'vitest/config';

// Real-kernel tier (`npm run test:hil`, TESTING.md): boots Debian 12's kernel under qemu (TCG)
// with gpio-sim and i2c-stub and runs the built agent inside. One guest at a time: a TCG guest
// takes both cores. Budget: under 10 minutes in total. Figures go to test-output/hil/results.jsonl.
export default defineConfig({
  test: {
    include: ['test/hil/**/*.test.ts'],
    globalSetup: ['test/hil/helpers/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
