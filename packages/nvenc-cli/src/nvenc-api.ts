/**
 * The slice of @nvenc-ts/nvenc (docs/ARCHITECTURE.md, "Public TypeScript API") and
 * @nvenc-ts/software-device that the benchmark uses, loaded at run time. Loading lazily matters
 * twice: `--engine null` must set NVENC_SOFT_ENGINE before the software NVENC library is loaded,
 * and a wrong option must exit with code 2 without touching any driver.
 */
import { createRequire } from 'node:module';
import type * as NvencApi from '@nvenc-ts/nvenc';

// Types come from the package itself (type-only: erased at build time, so nothing loads early).
export type { DeviceOption, DriverReport, EncoderOptions, Frame, FrameTimings, Packet } from '@nvenc-ts/nvenc';

/**
 * The slice of NvencEncoder the benchmark drives; narrow on purpose so the runner's tests can
 * script an encoder without a device.
 */
export interface Encoder {
  readonly info: Pick<
    NvencApi.EncoderInfo,
    'abi' | 'device' | 'software' | 'width' | 'height' | 'codec' | 'inputFormat'
  >;
  encode(
    frame: NvencApi.Frame,
    options?: { seq?: number; timestamp?: number; forceKeyframe?: boolean },
  ): NvencApi.Packet[];
  encodeAsync(
    frame: NvencApi.Frame,
    options?: { seq?: number; timestamp?: number; forceKeyframe?: boolean },
  ): Promise<NvencApi.Packet[]>;
  flush(): NvencApi.Packet[];
  flushAsync(): Promise<NvencApi.Packet[]>;
  allocateHostFrame(): Buffer;
  releaseDeviceFrame?(ptr: bigint): unknown;
  /** Per-stage times of the last encode call (absent on scripted test encoders). */
  readonly lastFrameTimings?: NvencApi.FrameTimings;
  close(): void;
}

export interface NvencModule {
  NvencEncoder: typeof NvencApi.NvencEncoder;
  probeDriver: typeof NvencApi.probeDriver;
}

export interface SoftwareDeviceModule {
  libraryDir: string;
  cudaLibrary: string;
  nvencLibrary: string;
  isBuilt(): boolean;
}

const requireHere = createRequire(import.meta.url);

export async function loadNvenc(): Promise<NvencModule> {
  const mod = (await import('@nvenc-ts/nvenc')) as Partial<NvencModule>;
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
    return {
      available: false,
      reason: `@nvenc-ts/software-device cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  let built = false;
  try {
    built = mod.isBuilt();
  } catch {
    built = false;
  }
  if (!built) return { available: false, reason: `@nvenc-ts/software-device is not built (no ${mod.nvencLibrary})` };
  return {
    available: true,
    libraries: { libraryDir: mod.libraryDir, cudaLibrary: mod.cudaLibrary, nvencLibrary: mod.nvencLibrary },
  };
}

/**
 * Test-only CUDA helpers of the native binding (BINDING.md, `_testing`), used for device-memory
 * input. Loaded from the same .node file as the encoder's ABI and called with the encoder's
 * libraries, so the memory lives in the encoder's CUDA (the GPU's primary context).
 */
export interface CudaTesting {
  /** A pitched allocation of `rows` rows of at least `rowBytes` bytes, filled from a tight host frame. */
  uploadFrame(src: Uint8Array, rowBytes: number, rows: number): { ptr: bigint; pitch: number };
  free(ptr: bigint): void;
}

export interface LibraryChoice {
  cudaLibrary: string;
  nvencLibrary: string;
  gpu: number;
}

// Plain N-API functions (no `this`), so they may be destructured.
interface NativeTestingExports {
  cudaMalloc: (o: LibraryChoice, bytes: number) => bigint;
  cudaFree: (o: LibraryChoice, ptr: bigint) => void;
  cudaCopyToDevice: (o: LibraryChoice, ptr: bigint, data: ArrayBufferView) => void;
}

/** Row alignment of device frames; cuMemAllocPitch uses 512 bytes on current NVIDIA GPUs. */
const DEVICE_PITCH_ALIGNMENT = 512;

export function loadNativeTesting(
  abi: string,
  libs: LibraryChoice,
): { testing: CudaTesting | undefined; reason: string } {
  let binding: { _testing?: Partial<NativeTestingExports> };
  try {
    const native = requireHere('@nvenc-ts/native') as {
      load(abi: string): { _testing?: Partial<NativeTestingExports> };
    };
    binding = native.load(abi);
  } catch (err) {
    return {
      testing: undefined,
      reason: `@nvenc-ts/native cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  const t = binding._testing;
  if (
    !t ||
    typeof t.cudaMalloc !== 'function' ||
    typeof t.cudaFree !== 'function' ||
    typeof t.cudaCopyToDevice !== 'function'
  ) {
    return {
      testing: undefined,
      reason: `the NVENC ${abi} binding has no _testing.cudaMalloc/cudaFree/cudaCopyToDevice`,
    };
  }
  const { cudaMalloc, cudaFree, cudaCopyToDevice } = t as NativeTestingExports;
  const testing: CudaTesting = {
    uploadFrame(src, rowBytes, rows) {
      const pitch = Math.ceil(rowBytes / DEVICE_PITCH_ALIGNMENT) * DEVICE_PITCH_ALIGNMENT;
      const ptr = cudaMalloc.call(t, libs, pitch * rows);
      // One 1D copy of the frame laid out at the device pitch.
      const staged = Buffer.alloc(pitch * rows);
      for (let r = 0; r < rows; r++) staged.set(src.subarray(r * rowBytes, (r + 1) * rowBytes), r * pitch);
      cudaCopyToDevice.call(t, libs, ptr, staged);
      return { ptr, pitch };
    },
    free(ptr) {
      cudaFree.call(t, libs, ptr);
    },
  };
  return { testing, reason: 'ok' };
}
