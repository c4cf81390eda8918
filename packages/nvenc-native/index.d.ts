export interface NativeBinaryEntry {
  abi: string;
  path: string;
}
export interface LoadedNativeBinary extends NativeBinaryEntry {
  binding: any;
}
export interface LoadAttempt {
  path: string;
  error: string;
}
/** This package's directory, or NVENC_NATIVE_DIR when set. */
export function packageDir(): string;
/** Directories searched for binaries, in order (local build first, then prebuilds/<platform>-<arch>). */
export function searchDirs(dir?: string): string[];
/** Built or prebuilt binaries, one per ABI, newest NVENC ABI first. */
export function binaries(dir?: string): NativeBinaryEntry[];
/**
 * Loads the binary for one ABI or, without one, the newest that loads. Throws an Error with code
 * 'ERR_NVENC_BINARY_NOT_FOUND' and `attempts`, whose message lists what was searched and tried and
 * possible solutions.
 */
export function loadBinary(abi?: string): LoadedNativeBinary;
/** Loads the binary for one ABI (e.g. '12.1'); the binding surface is described in BINDING.md. */
export function load(abi: string): any;
export function compareAbi(a: string, b: string): number;
