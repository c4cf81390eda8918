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

interface NativeTestingExports {
  cudaMalloc(o: LibraryChoice, bytes: number): bigint;
  cudaFree(o: LibraryChoice, ptr: bigint): void;
  cudaCopyToDevice(o: LibraryChoice, ptr: bigint, data: ArrayBufferView): void;
}

/** Row alignment of device frames; cuMemAllocPitch uses 512 bytes on current NVIDIA GPUs. */
const DEVICE_PITCH_ALIGNMENT = 512;

export function loadNativeTesting(abi: string, libs: LibraryChoice): { testing: CudaTesting | undefined; reason: string } {
  let binding: { _testing?: Partial<NativeTestingExports> };
  try {
    const native = requireHere('@nvenc-ts/native') as { load(abi: string): { _testing?: Partial<NativeTestingExports> } };
    binding = native.load(abi);
  } catch (err) {
    return { testing: undefined, reason: `@nvenc-ts/native cannot be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
  const t = binding._testing;
  if (!t || typeof t.cudaMalloc !== 'function' || typeof t.cudaFree !== 'function' || typeof t.cudaCopyToDevice !== 'function') {
    return { testing: undefined, reason: `the NVENC ${abi} binding has no _testing.cudaMalloc/cudaFree/cudaCopyToDevice` };
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
