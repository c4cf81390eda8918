import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Nx sets FORCE_COLOR for its tasks; child processes the tests read (examples, CLIs) would
    // then colour numbers and booleans in their console output.
    env: { FORCE_COLOR: '0', NO_COLOR: '1' },
    include: ['test/**/*.test.ts'],
    // Encoding, ffmpeg and Chromium on a 2-core machine shared with others: be generous.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test spawns the built CLI; one file at a time keeps the machine usable.
    fileParallelism: false,
  },
});
