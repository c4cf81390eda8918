import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    shims: true,
    external: ['@nvenc-ts/nvenc', '@nvenc-ts/native', 'chart.js'],
  },
  {
    // The bin: one ESM file (package "type": "module"), executable through its shebang.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['@nvenc-ts/nvenc', '@nvenc-ts/native', 'chart.js'],
  },
]);
