import { defineConfig } from 'vitest/config';

// The package tier's vitest part (`npm run test:package` runs it after scripts/package.sh):
// the arm64 .deb on Debian's arm64 kernel under qemu-system-aarch64 (test/package/*.test.ts).
// One guest: a TCG guest takes both cores.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 360_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
