/** Folder holding libcuda.so.1 and libnvidia-encode.so.1 of the software device. */
export const libraryDir: string;
export const cudaLibrary: string;
export const nvencLibrary: string;
/** True when both libraries exist (built or prebuilt). */
export function isBuilt(): boolean;
