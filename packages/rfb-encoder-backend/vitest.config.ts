import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Nx sets FORCE_COLOR for its tasks; child processes the tests read (examples, CLIs) would
    // then colour numbers and booleans in their console output.
    env: { FORCE_COLOR: '0', NO_COLOR: '1' },
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core CI machine shared with encoder tests: one file at a time.
    fileParallelism: false,
  },
});
