// Shared fixtures for the hardening tests: the software device's libraries, @nvenc-ts/nvenc from
// its build, and the device's leak counters. NVENC_SOFT_LIB_DIR / NVENC_NATIVE_BUILD_DIR point
// the tests at other builds (hardening/sanitize.sh uses them for the ASan builds).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  encoderOptions as nativeEncoderOptions,
  softLibDir,
  software as libs,
} from '../../packages/nvenc-native/test/support/fixtures.mjs';

const require = createRequire(import.meta.url);
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The software device's libraries and the raw Encoder's options have one owner: the native
// package's test fixtures (same NVENC_SOFT_LIB_DIR override).
export { libs, softLibDir };

// @nvenc-ts/nvenc finds the native package through NVENC_NATIVE_DIR (<dir>/build/Release); give
// it a directory whose build/Release is the requested build.
if (process.env.NVENC_NATIVE_BUILD_DIR && !process.env.NVENC_NATIVE_DIR) {
  const dir = mkdtempSync(join(tmpdir(), 'nvenc-native-dir-'));
  mkdirSync(join(dir, 'build'));
  symlinkSync(resolve(process.env.NVENC_NATIVE_BUILD_DIR), join(dir, 'build', 'Release'));
  process.env.NVENC_NATIVE_DIR = dir;
}
export const nativeBuildDir =
  process.env.NVENC_NATIVE_BUILD_DIR ?? join(repoRoot, 'packages', 'nvenc-native', 'build', 'Release');
const bindingFile = join(nativeBuildDir, 'nvenc_12_1.node');
const apiFile = join(repoRoot, 'packages', 'nvenc', 'dist', 'index.js');

/** Why these tests cannot run here, or false. */
export const skip = !existsSync(bindingFile)
  ? `native binding not built (${bindingFile})`
  : !existsSync(libs.nvencLibrary)
    ? `software device not built (${softLibDir})`
    : !existsSync(apiFile)
      ? '@nvenc-ts/nvenc not built (pnpm --filter @nvenc-ts/nvenc build)'
      : false;

/** The typed API (@nvenc-ts/nvenc's build), or null when skipped. */
export const nvenc = skip ? null : await import(pathToFileURL(apiFile).href);
/** The native binding (for the software device's counters and the raw Encoder). */
export const binding = skip ? null : require(bindingFile);

/** Live objects of the software device: CUDA allocations, sessions, NVENC buffers, registrations, mappings. */
export function counters() {
  return binding._testing.softwareCounters(libs);
}

/** Options for a small, fast NvencEncoder on the software device; `extra` overrides any field. */
export function encoderOptions(extra = {}) {
  return {
    width: 64,
    height: 48,
    codec: 'h264',
    inputFormat: 'nv12',
    preset: 'p1',
    tuning: 'ull',
    fps: 30,
    device: libs,
    ...extra,
  };
}

/** Options for the raw native Encoder: the native tests' small encoder, at 64x48 and 500 kbit/s. */
export function nativeOptions(extra = {}) {
  return nativeEncoderOptions({ width: 64, height: 48, bitrate: 500_000, ...extra });
}

export function nv12(width, height, index = 0) {
  const buf = Buffer.alloc(width * height * 1.5, 128);
  for (let i = 0; i < width * height; i++) buf[i] = (i + index * 7) & 0xff;
  return buf;
}

/** Runs fn with NVENC_SOFT_FAULT (and other variables) set, restoring them afterwards. */
export async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The error a function throws or the promise rejects with. */
export async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
