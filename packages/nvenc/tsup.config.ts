import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (used to resolve @nvenc-ts/native) becomes a __filename-based URL in the CJS build.
  shims: true,
  external: ['@nvenc-ts/native', '@nvenc-ts/software-device'],
});
