/** CUDA device memory for tests, through the native binding's test-only `_testing` helpers (BINDING.md). */
import { loadBinary } from '../../src/native-binary.js';
import type { LibraryOptions } from '../../src/native-types.js';

interface TestingApi {
  cudaMalloc(o: LibraryOptions, bytes: number): bigint;
  cudaFree(o: LibraryOptions, ptr: bigint): void;
  cudaCopyToDevice(o: LibraryOptions, ptr: bigint, data: ArrayBufferView): void;
  softwareCounters(o: LibraryOptions): { cudaAllocations?: number; cudaBytes?: number; nvencSessions?: number } | null;
}

/** The `_testing` helpers of the binary for `abi` (default: the newest built; the helpers are ABI-independent). */
export function testingApi(abi?: string): TestingApi {
  const t = loadBinary(abi).binding._testing as TestingApi | undefined;
  if (!t) throw new Error(`nvenc_${abi} has no _testing exports`);
  return t;
}

/** A device allocation that frees itself with `using`. */
export function deviceBuffer(
  abi: string,
  libs: LibraryOptions,
  bytes: number,
): { ptr: bigint; upload(data: ArrayBufferView): void; [Symbol.dispose](): void } {
  const api = testingApi(abi);
  const ptr = api.cudaMalloc(libs, bytes);
  return {
    ptr,
    upload: (data) => api.cudaCopyToDevice(libs, ptr, data),
    [Symbol.dispose]: () => api.cudaFree(libs, ptr),
  };
}
