import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes the temporary directories each test file made (npm test leaves nothing behind).
    setupFiles: ['test/helpers/temp-cleanup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons and PTYs; two workers match the CI machine.
    maxWorkers: 2,
  },
});
