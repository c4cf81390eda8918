export interface NativeBinaryEntry { abi: string; path: string }
/** Built or prebuilt binaries, newest NVENC ABI first. */
export function binaries(): NativeBinaryEntry[];
/** Loads the binary for one ABI (e.g. '12.1'); the binding surface is described in BINDING.md. */
export function load(abi: string): any;
export function compareAbi(a: string, b: string): number;
export const searchDirs: string[];
