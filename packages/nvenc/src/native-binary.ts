/**
 * Finds and loads the native binary (`nvenc_<abi>.node`, one per NVENC API version) the way
 * lovell/sharp does: check the platform first, try every candidate, collect every error met, and
 * only then fail with one message that says what was tried and what to do.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BinaryNotFoundError, UnsupportedPlatformError } from './errors.js';
import type { NativeBinding } from './native-types.js';

const NATIVE_PACKAGE = '@nvenc-ts/native';
const SUPPORTED_PLATFORMS = ['linux-x64 (glibc)'];
const BINARY_NAME = /^nvenc_(\d+)[._](\d+)\.node$/;

/** `require` relative to this module; works in the ESM build and (with tsup's shims) the CJS build. */
export function moduleRequire(): NodeJS.Require {
  return createRequire(import.meta.url);
}

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
    if (process.platform === 'linux') {
      const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
      glibcVersion = report?.header?.glibcVersionRuntime;
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
        'NVENC on Linux needs the NVIDIA driver\'s libnvidia-encode.so.1.',
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

/** Directories searched for binaries, in order of preference (local build first, like sharp). */
export function binaryDirectories(packageDir: string): string[] {
  return [path.join(packageDir, 'build', 'Release'), path.join(packageDir, 'prebuilds', 'linux-x64')];
}

export interface NativePackageLocation {
  dir?: string;
  error?: string;
}

/** Where `@nvenc-ts/native` is installed. `NVENC_NATIVE_DIR` overrides it (for tests and packagers). */
export function locateNativePackage(): NativePackageLocation {
  const override = process.env['NVENC_NATIVE_DIR'];
  if (override) return { dir: path.resolve(override) };
  try {
    return { dir: path.dirname(moduleRequire().resolve(`${NATIVE_PACKAGE}/package.json`)) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

export function abiCompare(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** Every binary on disk, one per ABI (the first directory wins), oldest ABI first. */
export function listBinaries(packageDir: string | undefined = locateNativePackage().dir): BinaryCandidate[] {
  if (!packageDir) return [];
  const byAbi = new Map<string, BinaryCandidate>();
  for (const dir of binaryDirectories(packageDir)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const m = BINARY_NAME.exec(name);
      if (!m) continue;
      const abi = `${m[1]}.${m[2]}`;
      if (!byAbi.has(abi)) byAbi.set(abi, { abi, path: path.join(dir, name) });
    }
  }
  return [...byAbi.values()].sort((x, y) => abiCompare(x.abi, y.abi));
}

/** ABIs with a binary on disk, oldest first (e.g. ['11.1', '12.1']). */
export function availableAbis(): string[] {
  return listBinaries().map((b) => b.abi);
}

export interface LoadedBinary {
  abi: string;
  path: string;
  binding: NativeBinding;
}

const loaded = new Map<string, LoadedBinary>();

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const first = err.message.split('\n')[0] ?? err.message;
    return typeof code === 'string' ? `${code}: ${first}` : first;
  }
  return String(err);
}

function possibleSolutions(attempts: readonly { path: string; error: string }[], packageFound: boolean): string[] {
  const solutions: string[] = [];
  const text = attempts.map((a) => a.error).join('\n');
  if (!packageFound) {
    solutions.push(`Install ${NATIVE_PACKAGE} (it is a dependency of @nvenc-ts/nvenc; reinstall: pnpm install / npm install).`);
  }
  if (/GLIBC_|GLIBCXX_/.test(text)) {
    solutions.push('The binary needs a newer glibc/libstdc++ than this system has: use a newer distribution or rebuild from source.');
  }
  if (/NODE_MODULE_VERSION|napi|Module did not self-register/i.test(text)) {
    solutions.push(`Rebuild for this Node.js (${process.version}): pnpm --filter ${NATIVE_PACKAGE} build`);
  }
  solutions.push(`Build the binaries from source: pnpm --filter ${NATIVE_PACKAGE} build (needs cmake, a C++17 compiler and the NVENC headers: bash third_party/fetch-nvenc-headers.sh).`);
  solutions.push(`Reinstall so the prebuilt binaries are present: rm -rf node_modules && pnpm install (prebuilds live in ${NATIVE_PACKAGE}/prebuilds/linux-x64).`);
  return solutions;
}

function notFound(
  what: string,
  location: NativePackageLocation,
  attempts: { path: string; error: string }[],
): BinaryNotFoundError {
  const lines = [`Could not load the @nvenc-ts/nvenc native binary (${what}) on ${process.platform}-${process.arch}, Node ${process.version}.`];
  if (location.dir) {
    lines.push(`Searched: ${binaryDirectories(location.dir).join(', ')}`);
  } else {
    lines.push(`${NATIVE_PACKAGE} could not be resolved: ${location.error ?? 'unknown reason'}`);
  }
  if (attempts.length > 0) {
    lines.push('Tried:');
    for (const a of attempts) lines.push(`  - ${a.path}: ${a.error}`);
  }
  lines.push('Possible solutions:');
  for (const s of possibleSolutions(attempts, location.dir !== undefined)) lines.push(`  - ${s}`);
  return new BinaryNotFoundError(lines.join('\n'), attempts);
}

function loadFile(candidate: BinaryCandidate): LoadedBinary {
  const cached = loaded.get(candidate.path);
  if (cached) return cached;
  const binding = moduleRequire()(candidate.path) as NativeBinding;
  if (typeof binding?.probe !== 'function' || typeof binding.abi !== 'string') {
    throw new Error('not an nvenc binding (no probe() / abi export)');
  }
  if (binding.abi !== candidate.abi) {
    throw new Error(`file name says ABI ${candidate.abi} but the binary reports ${binding.abi}`);
  }
  const result: LoadedBinary = { abi: binding.abi, path: candidate.path, binding };
  loaded.set(candidate.path, result);
  return result;
}

/**
 * Loads the binary for `abi`, or — without `abi` — the newest binary that loads.
 * Throws UnsupportedPlatformError or one BinaryNotFoundError listing every attempt.
 */
export function loadBinary(abi?: string): LoadedBinary {
  checkPlatform();
  const location = locateNativePackage();
  const all = listBinaries(location.dir);
  const candidates = abi === undefined ? [...all].reverse() : all.filter((b) => b.abi === abi);
  const attempts: { path: string; error: string }[] = [];
  for (const candidate of candidates) {
    try {
      return loadFile(candidate);
    } catch (err) {
      attempts.push({ path: candidate.path, error: errorText(err) });
    }
  }
  if (location.dir && candidates.length === 0) {
    const name = abi === undefined ? 'nvenc_<abi>.node' : `nvenc_${abi.replace('.', '_')}.node`;
    for (const dir of binaryDirectories(location.dir)) attempts.push({ path: path.join(dir, name), error: 'no such file' });
  }
  const what = abi === undefined ? `any ABI; found ${all.length === 0 ? 'none' : all.map((b) => b.abi).join(', ')}` : `ABI ${abi}`;
  throw notFound(what, location, attempts);
}
