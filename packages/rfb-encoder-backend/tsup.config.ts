import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'demo/index': 'src/demo/index.ts', 'demo/cli': 'src/demo/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', 'demo/index': 'src/demo/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  shims: true,
  // Workspace packages and runtime dependencies stay imports; @nvenc-ts/nvenc loads no native code until an encoder opens.
  external: ['@nvenc-ts/nvenc', 'ws', '@novnc/novnc'],
});
