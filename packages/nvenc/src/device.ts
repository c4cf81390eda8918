/**
 * Device selection: what a `device` option means in libraries and GPU for the native layer.
 * 'auto' is the NVIDIA driver, 'software' the software device's libraries, an object picks a GPU,
 * a CUDA context or explicit libraries. Nothing here loads a library; probe.ts does that.
 */
import { InvalidOptionError } from './errors.js';
import { softwareDeviceLibraries } from './software-device.js';
import type { DeviceKind, DeviceOption } from './types.js';

/** The CUDA driver library the NVIDIA driver installs (soname). */
export const DEFAULT_CUDA_LIBRARY = 'libcuda.so.1';
/** The NVENC library the NVIDIA driver installs (soname). */
export const DEFAULT_NVENC_LIBRARY = 'libnvidia-encode.so.1';

/** A device option turned into the libraries and GPU the native layer gets. */
export interface DeviceTarget {
  kind: DeviceKind;
  cudaLibrary: string;
  nvencLibrary: string;
  gpu: number;
  cudaContext?: bigint;
}

function checkGpu(gpu: unknown): number {
  if (gpu === undefined) return 0;
  if (typeof gpu !== 'number' || !Number.isInteger(gpu) || gpu < 0) {
    throw new InvalidOptionError(
      `Invalid option device.gpu: ${String(gpu)}; expected a CUDA device ordinal (integer ≥ 0)`,
      {
        option: 'device.gpu',
      },
    );
  }
  return gpu;
}

/** Maps a device option to libraries; throws InvalidOptionError or (software not built) DriverNotFoundError. */
export function deviceTarget(device: DeviceOption = 'auto'): DeviceTarget {
  if (device === 'auto') {
    return { kind: 'nvidia', cudaLibrary: DEFAULT_CUDA_LIBRARY, nvencLibrary: DEFAULT_NVENC_LIBRARY, gpu: 0 };
  }
  if (device === 'software') {
    const libs = softwareDeviceLibraries();
    return { kind: 'software', cudaLibrary: libs.cudaLibrary, nvencLibrary: libs.nvencLibrary, gpu: 0 };
  }
  if (typeof device !== 'object' || device === null || Array.isArray(device)) {
    throw new InvalidOptionError(
      `Invalid option device: ${JSON.stringify(device)}; expected 'auto', 'software', or { gpu?, cudaContext?, cudaLibrary?, nvencLibrary? }`,
      { option: 'device' },
    );
  }
  for (const key of ['cudaLibrary', 'nvencLibrary'] as const) {
    const v = device[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
      throw new InvalidOptionError(`Invalid option device.${key}: ${String(v)}; expected a library soname or path`, {
        option: `device.${key}`,
      });
    }
  }
  if (device.cudaContext !== undefined && (typeof device.cudaContext !== 'bigint' || device.cudaContext === 0n)) {
    throw new InvalidOptionError(
      `Invalid option device.cudaContext: ${String(device.cudaContext)}; expected a non-zero CUcontext handle as a bigint`,
      { option: 'device.cudaContext' },
    );
  }
  const custom = device.cudaLibrary !== undefined || device.nvencLibrary !== undefined;
  const target: DeviceTarget = {
    kind: custom ? 'custom' : 'nvidia',
    cudaLibrary: device.cudaLibrary ?? DEFAULT_CUDA_LIBRARY,
    nvencLibrary: device.nvencLibrary ?? DEFAULT_NVENC_LIBRARY,
    gpu: checkGpu(device.gpu),
  };
  if (device.cudaContext !== undefined) target.cudaContext = device.cudaContext;
  return target;
}
