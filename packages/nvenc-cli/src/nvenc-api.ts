/**
 * The slice of @nvenc-ts/nvenc (docs/ARCHITECTURE.md, "Public TypeScript API") and
 * @nvenc-ts/software-device that the benchmark uses, loaded at run time. Loading lazily matters
 * twice: `--engine null` must set NVENC_SOFT_ENGINE before the software NVENC library is loaded,
 * and a wrong option must exit with code 2 without touching any driver.
 */
import { createRequire } from 'node:module';

export type DeviceOption =
  | 'auto'
  | 'software'
  | { gpu?: number; cudaContext?: bigint; cudaLibrary?: string; nvencLibrary?: string };

export interface EncoderOptions {
  width: number;
  height: number;
  codec?: 'h264' | 'hevc' | 'av1';
  preset?: 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'p6' | 'p7';
  tuning?: 'ull' | 'll' | 'hq' | 'lossless';
  rateControl?: 'cbr' | 'vbr' | 'cqp';
  bitrate?: number;
  qp?: number;
  fps?: number;
  gop?: number | 'infinite';
  bFrames?: number;
  inputFormat?: 'nv12' | 'yuv444' | 'bgra' | 'rgba' | 'p010';
  extraOutputDelay?: number;
  device?: DeviceOption;
}

export interface Packet {
  data: Buffer;
  keyframe: boolean;
  pictureType: string;
  seq: number;
  timestamp: number;
  frameIndex: number;
}

/** Native per-frame stage times, if the encoder exposes them (see `stageTimesOf`). */
export interface StageTimes {
  uploadUs?: number;
  submitUs?: number;
  waitUs?: number;
}

export type Frame =
  | Buffer
  | Uint8Array
  | Uint16Array
  | { data: ArrayBufferView; pitch?: number }
  | { devicePtr: bigint; pitch: number };

export interface EncoderInfo {
  abi: string;
  device: string;
  software: boolean;
  width: number;
  height: number;
  codec: string;
  inputFormat: string;
  pitch?: number;
  frameBytes?: number;
  [key: string]: unknown;
}

export interface Encoder {
  readonly info: EncoderInfo;
  encode(frame: Frame, options?: { seq?: number; timestamp?: number; forceKeyframe?: boolean }): Packet[];
  encodeAsync(frame: Frame, options?: { seq?: number; timestamp?: number; forceKeyframe?: boolean }): Promise<Packet[]>;
  flush(): Packet[];
  flushAsync(): Promise<Packet[]>;
  allocateHostFrame(): Buffer;
  releaseDeviceFrame?(ptr: bigint): unknown;
  close(): void;
}

export interface DriverReport {
  ok: boolean;
  device: string;
  abi: string | null;
  software: boolean;
  driver: { version: string | null; cudaLibrary: string; nvencLibrary: string };
  nvenc: { maxApiVersion?: string | null; softwareIdentity?: string } | null;
  devices: { index: number; name: string; computeCapability?: string }[];
  problems: string[];
}

export interface NvencModule {
  NvencEncoder: new (options: EncoderOptions) => Encoder;
  probeDriver(options?: { device?: DeviceOption }): DriverReport;
}

export interface SoftwareDeviceModule {
  libraryDir: string;
  cudaLibrary: string;
  nvencLibrary: string;
  isBuilt(): boolean;
}

const requireHere = createRequire(import.meta.url);

export async function loadNvenc(): Promise<NvencModule> {
  // A variable specifier keeps TypeScript from needing the package's types at build time; the
  // interface above is the contract from ARCHITECTURE.md.
  const specifier = '@nvenc-ts/nvenc';
  const mod = (await import(specifier)) as Partial<NvencModule>;
  if (typeof mod.NvencEncoder !== 'function' || typeof mod.probeDriver !== 'function') {
    throw new Error('@nvenc-ts/nvenc does not export NvencEncoder and probeDriver yet (is it built?)');
  }
  return mod as NvencModule;
}

export type SoftwareDeviceState =
  | { available: true; libraries: { libraryDir: string; cudaLibrary: string; nvencLibrary: string } }
  | { available: false; reason: string };

export function softwareDevice(): SoftwareDeviceState {
  let mod: SoftwareDeviceModule;
  try {
    mod = requireHere('@nvenc-ts/software-device') as SoftwareDeviceModule;
  } catch (err) {
    return { available: false, reason: `@nvenc-ts/software-device cannot be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
  let built = false;
  try {
    built = mod.isBuilt();
  } catch {
    built = false;
  }
  if (!built) return { available: false, reason: `@nvenc-ts/software-device is not built (no ${mod.nvencLibrary})` };
  return { available: true, libraries: { libraryDir: mod.libraryDir, cudaLibrary: mod.cudaLibrary, nvencLibrary: mod.nvencLibrary } };
}

/**
 * Test-only CUDA helpers of the native binding (BINDING.md, `_testing`), used for device-memory
 * input and the raw copy bandwidth. Loaded from the same .node file as the encoder's ABI, so it
 * shares the encoder's CUDA library and context.
 */
export interface CudaTesting {
  /** cuMemAllocPitch-like allocation of `rows` rows of `rowBytes`; returns pointer and pitch. */
  allocPitch(rowBytes: number, rows: number): { ptr: bigint; pitch: number };
  free(ptr: bigint): void;
  /** Host → device copy of `rows` rows (2D, pitched). */
  copyToDevice(ptr: bigint, pitch: number, src: ArrayBufferView, srcPitch: number, rows: number): void;
}

export function loadNativeTesting(abi: string): { testing: CudaTesting | undefined; reason: string } {
  let binding: { _testing?: Record<string, unknown> };
  try {
    const native = requireHere('@nvenc-ts/native') as { load(abi: string): { _testing?: Record<string, unknown> } };
    binding = native.load(abi);
  } catch (err) {
    return { testing: undefined, reason: `@nvenc-ts/native cannot be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
  const t = binding._testing;
  if (!t) return { testing: undefined, reason: `the nvenc_${abi.replace('.', '_')}.node binding has no _testing export` };
  return adaptTesting(t);
}

type AnyFn = (...args: unknown[]) => unknown;

/** Adapts the binding's `_testing` object to `CudaTesting`, whatever the exact names turn out to be. */
function adaptTesting(t: Record<string, unknown>): { testing: CudaTesting | undefined; reason: string } {
  const fn = (...names: string[]): AnyFn | undefined => {
    for (const n of names) if (typeof t[n] === 'function') return (t[n] as AnyFn).bind(t);
    return undefined;
  };
  const allocPitch = fn('allocPitch', 'memAllocPitch', 'cuMemAllocPitch', 'mallocPitch');
  const alloc = fn('alloc', 'memAlloc', 'cuMemAlloc', 'malloc', 'cudaMalloc', 'deviceAlloc');
  const free = fn('free', 'memFree', 'cuMemFree', 'cudaFree', 'deviceFree');
  const copy2D = fn('copyToDevice2D', 'memcpy2DHtoD', 'copy2DToDevice', 'memcpy2D');
  const copy1D = fn('copyToDevice', 'memcpyHtoD', 'cuMemcpyHtoD', 'upload', 'hostToDevice');
  if ((!allocPitch && !alloc) || !free || (!copy2D && !copy1D)) {
    return { testing: undefined, reason: `_testing lacks an allocation/free/host-to-device copy (has: ${Object.keys(t).join(', ')})` };
  }
  const toBig = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
  const testing: CudaTesting = {
    allocPitch(rowBytes, rows) {
      if (allocPitch) {
        const r = allocPitch(rowBytes, rows) as { ptr?: unknown; devicePtr?: unknown; pitch: number };
        return { ptr: toBig(r.ptr ?? r.devicePtr), pitch: r.pitch };
      }
      // Plain allocation: a 256-byte aligned pitch is what cuMemAllocPitch gives for these sizes.
      const pitch = Math.ceil(rowBytes / 256) * 256;
      return { ptr: toBig(alloc!(pitch * rows)), pitch };
    },
    free(ptr) {
      free(ptr);
    },
    copyToDevice(ptr, pitch, src, srcPitch, rows) {
      if (copy2D) {
        copy2D(ptr, pitch, src, srcPitch, Math.min(pitch, srcPitch), rows);
        return;
      }
      if (pitch === srcPitch) {
        copy1D!(ptr, src);
        return;
      }
      const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
      for (let r = 0; r < rows; r++) copy1D!(ptr + BigInt(r * pitch), bytes.subarray(r * srcPitch, (r + 1) * srcPitch));
    },
  };
  return { testing, reason: 'ok' };
}
