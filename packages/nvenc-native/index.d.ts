export interface NativeBinaryEntry { abi: string; path: string }
/** Built or prebuilt binaries, newest NVENC ABI first. */
export function binaries(): NativeBinaryEntry[];
/** Loads the binary for one ABI (e.g. '12.1'); the binding surface is described in BINDING.md. */
export function load(abi: string): any;
export function compareAbi(a: string, b: string): number;
export const searchDirs: string[];
/** Platforms with prebuilt binaries, e.g. ['linux-x64 (glibc >= 2.34)']. */
export const SUPPORTED_PLATFORMS: readonly string[];
/** Why this platform has no prebuilt binary (macOS, arm64, musl, ...), or undefined when it has one. */
export function unsupportedPlatformReason(): string | undefined;
/** Throws an Error with code 'ERR_NVENC_UNSUPPORTED_PLATFORM' on a platform without binaries (unless built from source here). */
export function checkPlatform(): void;
