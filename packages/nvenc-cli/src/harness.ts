/** Runs the C++ reference harness (harness/nvenc_harness.cpp, built per NVENC ABI by the package build). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Summary } from './stats.js';

export interface HarnessEncodeResult {
  mode: 'encode';
  abi: string;
  input: string;
  format: string;
  width: number;
  height: number;
  frames: number;
  wallUs: number;
  wallPerFrameUs: number;
  perFrameUs: Omit<Summary, 'count' | 'stddev'>;
  bytes: number;
}

export interface HarnessCopyResult {
  mode: 'copy-bench';
  bytes: number;
  copies: number;
  /** Distinct source buffers cycled through (1: one cache-hot buffer). */
  buffers: number;
  pinnedUs: Omit<Summary, 'count' | 'stddev'>;
  pageableUs: Omit<Summary, 'count' | 'stddev'>;
  pinnedGBps: number;
  pageableGBps: number;
}

export interface HarnessLibraries {
  cudaLibrary: string;
  nvencLibrary: string;
  gpu: number;
}

/** Path of the harness built for `abi`, or undefined when it was not built. */
export function harnessPath(abi: string): string | undefined {
  const p = fileURLToPath(new URL(`../build/harness/nvenc_harness_${abi.replace('.', '_')}`, import.meta.url));
  return existsSync(p) ? p : undefined;
}

function runHarness(path: string, args: string[], env: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(stderr.trim().split('\n').pop() || `harness exited with ${code}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`harness printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

export function harnessEncode(
  abi: string,
  libs: HarnessLibraries,
  o: {
    width: number;
    height: number;
    frames: number;
    warmup: number;
    input: 'device' | 'pinned' | 'host';
    format: 'nv12' | 'bgra';
    engine: string;
  },
): Promise<HarnessEncodeResult> {
  const path = harnessPath(abi);
  if (!path) return Promise.reject(new Error(`harness for NVENC ${abi} not built (pnpm --filter @nvenc-ts/cli build)`));
  const args = [
    '--cuda',
    libs.cudaLibrary,
    '--nvenc',
    libs.nvencLibrary,
    '--gpu',
    String(libs.gpu),
    '--width',
    String(o.width),
    '--height',
    String(o.height),
    '--frames',
    String(o.frames),
    '--warmup',
    String(o.warmup),
    '--input',
    o.input,
    '--format',
    o.format,
    '--preset',
    '1',
    '--tuning',
    'ull',
  ];
  return runHarness(path, args, { NVENC_SOFT_ENGINE: o.engine }) as Promise<HarnessEncodeResult>;
}

export function harnessCopyBench(
  abi: string,
  libs: HarnessLibraries,
  width: number,
  height: number,
  copies: number,
  buffers = 1,
  format: 'nv12' | 'bgra' = 'bgra',
): Promise<HarnessCopyResult> {
  const path = harnessPath(abi);
  if (!path) return Promise.reject(new Error(`harness for NVENC ${abi} not built (pnpm --filter @nvenc-ts/cli build)`));
  const args = [
    '--cuda',
    libs.cudaLibrary,
    '--gpu',
    String(libs.gpu),
    '--width',
    String(width),
    '--height',
    String(height),
    '--copy-bench',
    '--copies',
    String(copies),
    '--buffers',
    String(buffers),
    '--format',
    format,
  ];
  return runHarness(path, args, {}) as Promise<HarnessCopyResult>;
}
