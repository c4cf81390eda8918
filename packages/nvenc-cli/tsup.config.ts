import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __NVENC_BENCH_VERSION__: JSON.stringify(pkg.version) };

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    shims: true,
    define,
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
    define,
    external: ['@nvenc-ts/nvenc', '@nvenc-ts/native', 'chart.js'],
  },
]);
