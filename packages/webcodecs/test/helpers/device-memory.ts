/**
 * CUDA device memory for the zero-copy test, from the native binding's test-only `_testing` helpers
 * (packages/nvenc-native/BINDING.md). The binding is reached through @nvenc-ts/nvenc's own
 * dependency, so this package still depends on @nvenc-ts/nvenc alone; on this machine the memory
 * belongs to the software device's libcuda.
 */
import { createRequire } from 'node:module';
import { softwareDeviceLibraries } from '@nvenc-ts/nvenc';

interface TestingApi {
  cudaMalloc(o: { cudaLibrary: string; nvencLibrary: string }, bytes: number): bigint;
  cudaFree(o: { cudaLibrary: string; nvencLibrary: string }, ptr: bigint): void;
  cudaCopyToDevice(o: { cudaLibrary: string; nvencLibrary: string }, ptr: bigint, data: ArrayBufferView): void;
}

export function softwareDeviceBuffer(bytes: number): {
  ptr: bigint;
  upload(data: ArrayBufferView): void;
  free(): void;
} {
  const fromNvenc = createRequire(createRequire(import.meta.url).resolve('@nvenc-ts/nvenc'));
  const native = fromNvenc('@nvenc-ts/native') as { loadBinary(abi?: string): { binding: { _testing?: TestingApi } } };
  const api = native.loadBinary().binding._testing;
  if (!api) throw new Error('the native binding has no _testing helpers');
  const libs = softwareDeviceLibraries();
  const o = { cudaLibrary: libs.cudaLibrary, nvencLibrary: libs.nvencLibrary };
  const ptr = api.cudaMalloc(o, bytes);
  return { ptr, upload: (data) => api.cudaCopyToDevice(o, ptr, data), free: () => api.cudaFree(o, ptr) };
}
