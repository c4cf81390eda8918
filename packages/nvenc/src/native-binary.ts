/**
 * Reaches the native binaries through `@nvenc-ts/native`'s own loader (index.cjs), the one place
 * that knows where binaries are, what they are called and how a failure is explained. This module
 * adds only what that package cannot say about itself: whether this platform can have it at all
 * (npm skips it elsewhere), and that it is not installed. Both end as typed errors.
 */
import { createRequire } from 'node:module';
import { BinaryNotFoundError, UnsupportedPlatformError } from './errors.js';
import type { NativeBinding } from './native-types.js';

const NATIVE_PACKAGE = '@nvenc-ts/native';
const SUPPORTED_PLATFORMS = ['linux-x64 (glibc)'];

/** `require` relative to this module; works in the ESM build and (with tsup's shims) the CJS build. */
export function moduleRequire(): NodeJS.Require {
  return createRequire(import.meta.url);
}

/** The platform a binary is chosen for (what `checkPlatform()` inspects). */
export interface PlatformFacts {
  platform: string;
  arch: string;
  /** glibc version at run time, undefined on musl (Alpine) or non-Linux. */
  glibcVersion: string | undefined;
}

let cachedPlatform: PlatformFacts | undefined;

export function currentPlatform(): PlatformFacts {
  if (!cachedPlatform) {
    let glibcVersion: string | undefined;
    if (process.platform === 'linux' && process.report) {
      // The report's network section (interfaces, socket handles) is most of its cost (5-60 ms on
      // first use) and says nothing about libc, so it is left out for this one call. Node 20.13+
      // has the switch; @types/node does not list it yet.
      const reporter = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
      const excludeNetwork = reporter.excludeNetwork;
      reporter.excludeNetwork = true;
      try {
        const report = reporter.getReport() as { header?: { glibcVersionRuntime?: string } };
        glibcVersion = report.header?.glibcVersionRuntime;
      } finally {
        reporter.excludeNetwork = excludeNetwork;
      }
    }
    cachedPlatform = { platform: process.platform, arch: process.arch, glibcVersion };
  }
  return cachedPlatform;
}

/** Throws UnsupportedPlatformError unless the platform is linux-x64 with glibc. */
export function checkPlatform(facts: PlatformFacts = currentPlatform()): void {
  const name = `${facts.platform}-${facts.arch}`;
  if (facts.platform !== 'linux' || facts.arch !== 'x64') {
    throw new UnsupportedPlatformError(
      `@nvenc-ts/nvenc has no native binary for ${name}; supported: ${SUPPORTED_PLATFORMS.join(', ')}. ` +
        "NVENC on Linux needs the NVIDIA driver's libnvidia-encode.so.1.",
    );
  }
  if (!facts.glibcVersion) {
    throw new UnsupportedPlatformError(
      `@nvenc-ts/nvenc has no native binary for ${name} with musl libc (e.g. Alpine); supported: ` +
        `${SUPPORTED_PLATFORMS.join(', ')}. Use a glibc-based image (Debian, Ubuntu, RHEL); the NVIDIA driver libraries are glibc-only too.`,
    );
  }
}

export interface BinaryCandidate {
  abi: string;
  path: string;
}

export interface LoadedBinary extends BinaryCandidate {
  binding: NativeBinding;
}

interface LoadAttempt {
  path: string;
  error: string;
}

/** The surface of @nvenc-ts/native's index.cjs (its index.d.ts). */
interface NativeLoader {
  packageDir(): string;
  binaries(): BinaryCandidate[];
  loadBinary(abi?: string): LoadedBinary;
}

export interface NativePackageLocation {
  /** Where binaries are searched (the package, or NVENC_NATIVE_DIR). */
  dir?: string;
  /** Why the package could not be required. */
  error?: string;
  loader?: NativeLoader;
}

/** Requires `@nvenc-ts/native`'s loader; never throws. */
export function locateNativePackage(): NativePackageLocation {
  try {
    const loader = moduleRequire()(NATIVE_PACKAGE) as NativeLoader;
    return { dir: loader.packageDir(), loader };
  } catch (err) {
    return { error: err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err) };
  }
}

export function abiCompare(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** Every binary on disk, one per ABI, oldest ABI first. */
export function listBinaries(): BinaryCandidate[] {
  return (locateNativePackage().loader?.binaries() ?? []).reverse();
}

/** ABIs with a binary on disk, oldest first (e.g. ['11.1', '12.1']). */
export function availableAbis(): string[] {
  return listBinaries().map((b) => b.abi);
}

function notInstalled(location: NativePackageLocation): BinaryNotFoundError {
  return new BinaryNotFoundError(
    [
      `Could not load the @nvenc-ts/nvenc native binary on ${process.platform}-${process.arch}, Node ${process.version}.`,
      `${NATIVE_PACKAGE} could not be resolved: ${location.error ?? 'unknown reason'}`,
      'Possible solutions:',
      `  - Install ${NATIVE_PACKAGE} (it is a dependency of @nvenc-ts/nvenc; reinstall: pnpm install / npm install).`,
    ].join('\n'),
  );
}

/**
 * Loads the binary for `abi`, or — without `abi` — the newest binary that loads.
 * Throws UnsupportedPlatformError or one BinaryNotFoundError listing every attempt.
 */
export function loadBinary(abi?: string): LoadedBinary {
  checkPlatform();
  const location = locateNativePackage();
  if (!location.loader) throw notInstalled(location);
  try {
    return location.loader.loadBinary(abi);
  } catch (err) {
    const e = err as Error & { attempts?: LoadAttempt[] };
    throw new BinaryNotFoundError(e.message, e.attempts ?? []);
  }
}
