/**
 * Optional access to `@nvenc-ts/software-device` (a software libcuda + libnvidia-encode for tests
 * and CI). It is a dependency, but a production install may prune it, so its absence is an
 * error only when `device: 'software'` is asked for.
 */
import { DriverNotFoundError } from './errors.js';
import { checkPlatform, moduleRequire } from './native-binary.js';

/** Where the software device's libraries are (`softwareDeviceLibraries()`). */
export interface SoftwareDeviceLibraries {
  libraryDir: string;
  cudaLibrary: string;
  nvencLibrary: string;
}

interface SoftwareDeviceModule extends SoftwareDeviceLibraries {
  isBuilt(): boolean;
  /** A sentence naming missing FFmpeg runtime libraries (libavcodec59 …), or undefined. */
  runtimeProblem?(): string | undefined;
}

/** Whether the software device can be used, with its libraries or the reason it cannot. */
export type SoftwareDeviceState =
  | { available: true; libraries: SoftwareDeviceLibraries }
  | { available: false; reason: string; runtimeMissing?: boolean };

/** Whether the software device is installed and built, and where its libraries are. Never throws. */
export function softwareDeviceState(): SoftwareDeviceState {
  let mod: SoftwareDeviceModule;
  try {
    mod = moduleRequire()('@nvenc-ts/software-device') as SoftwareDeviceModule;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason =
      code === 'MODULE_NOT_FOUND'
        ? '@nvenc-ts/software-device is not installed'
        : `@nvenc-ts/software-device failed to load: ${(err as Error).message}`;
    return { available: false, reason };
  }
  const libraries = { libraryDir: mod.libraryDir, cudaLibrary: mod.cudaLibrary, nvencLibrary: mod.nvencLibrary };
  let built = false;
  try {
    built = mod.isBuilt();
  } catch {
    built = false;
  }
  if (!built) {
    return {
      available: false,
      reason: `@nvenc-ts/software-device is installed but not built (expected ${libraries.cudaLibrary} and ${libraries.nvencLibrary})`,
    };
  }
  const problem = typeof mod.runtimeProblem === 'function' ? mod.runtimeProblem() : undefined;
  if (problem) return { available: false, reason: problem, runtimeMissing: true };
  return { available: true, libraries };
}

/** The software device's absolute library paths; throws DriverNotFoundError if missing or not built. */
export function softwareDeviceLibraries(): SoftwareDeviceLibraries {
  // The software device ships prebuilt for linux-x64 only: on other platforms say so, not "build it".
  checkPlatform();
  const state = softwareDeviceState();
  if (!state.available) {
    throw new DriverNotFoundError(
      state.runtimeMissing
        ? `device 'software' was requested but ${state.reason}`
        : `device 'software' was requested but ${state.reason}. Build it with: pnpm --filter @nvenc-ts/software-device build`,
      { code: 'SOFTWARE_DEVICE_NOT_BUILT' },
    );
  }
  return state.libraries;
}
