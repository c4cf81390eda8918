import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Encoding, ffmpeg and Chromium on a 2-core machine shared with others: be generous.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test spawns the built CLI; one file at a time keeps the machine usable.
    fileParallelism: false,
  },
});
