/** Folder holding libcuda.so.1 and libnvidia-encode.so.1 of the software device. */
export const libraryDir: string;
export const cudaLibrary: string;
export const nvencLibrary: string;
/** True when both libraries exist (built or prebuilt). */
export function isBuilt(): boolean;
/** Sonames of the FFmpeg runtime the prebuilt library needs from the system (e.g. libavcodec.so.59); empty for a local build. */
export function runtimeLibraries(): string[];
/** Those of runtimeLibraries() the dynamic loader would not find. */
export function missingRuntimeLibraries(): string[];
/** A sentence naming the missing libraries and the Debian packages to install, or undefined. */
export function runtimeProblem(): string | undefined;
