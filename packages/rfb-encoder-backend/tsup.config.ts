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
  // @nvenc-ts/nvenc is loaded lazily (dynamic import) so the RFB layer works without the native addon.
  external: ['@nvenc-ts/nvenc', 'ws', '@novnc/novnc'],
});
