import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Encoding + ffmpeg decoding on a 2-core CI machine: be generous.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native sessions and child processes: one file at a time keeps timings (setInterval gap) honest.
    fileParallelism: false,
  },
});
