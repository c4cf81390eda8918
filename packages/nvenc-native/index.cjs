'use strict';
// Where this package's per-ABI binaries are. Choosing one (the newest the driver supports) is
// @nvenc-ts/nvenc's job; this module only lists and loads.
const fs = require('node:fs');
const path = require('node:path');

// Prebuilt binaries exist for these platforms only (linux-x64 with glibc: the NVIDIA driver's
// libnvidia-encode.so.1 is glibc-only too). Anything else can still build from source.
const SUPPORTED_PLATFORMS = ['linux-x64 (glibc >= 2.34)'];

/** Why this platform has no prebuilt binary, or undefined when it has one. */
function unsupportedPlatformReason() {
  const name = `${process.platform}-${process.arch}`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `@nvenc-ts/native has no binary for ${name}; supported: ${SUPPORTED_PLATFORMS.join(', ')}.`;
  }
  const header = process.report && process.report.getReport().header;
  if (!header || !header.glibcVersionRuntime) {
    return `@nvenc-ts/native has no binary for ${name} with musl libc (e.g. Alpine); supported: ${SUPPORTED_PLATFORMS.join(', ')}. ` +
      'Use a glibc-based image (Debian, Ubuntu, RHEL).';
  }
  return undefined;
}

/** Throws one error (code ERR_NVENC_UNSUPPORTED_PLATFORM) naming this platform and the supported ones. */
function checkPlatform() {
  const reason = unsupportedPlatformReason();
  if (reason === undefined) return;
  const hasLocalBuild = binaries().some((b) => b.path.startsWith(searchDirs[0]));
  if (hasLocalBuild) return; // built from source on this machine: let it load
  const err = new Error(`${reason} To build from source: see the @nvenc-ts/native README ("Building from source").`);
  err.code = 'ERR_NVENC_UNSUPPORTED_PLATFORM';
  throw err;
}

const searchDirs = [
  path.join(__dirname, 'build', 'Release'),
  path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`),
];

/** @returns {{ abi: string, path: string }[]} newest ABI first */
function binaries() {
  const found = new Map();
  for (const dir of searchDirs) {
    let names = [];
    try { names = fs.readdirSync(dir); } catch { continue; }
    for (const name of names) {
      const m = /^nvenc_(\d+)_(\d+)\.node$/.exec(name);
      if (m && !found.has(`${m[1]}.${m[2]}`)) found.set(`${m[1]}.${m[2]}`, path.join(dir, name));
    }
  }
  return [...found.entries()]
    .map(([abi, p]) => ({ abi, path: p }))
    .sort((a, b) => compareAbi(b.abi, a.abi));
}

function compareAbi(a, b) {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

function load(abi) {
  checkPlatform();
  const entry = binaries().find((b) => b.abi === abi);
  if (!entry) throw new Error(`no nvenc-native binary for NVENC API ${abi} in ${searchDirs.join(', ')}`);
  return require(entry.path);
}

module.exports = { binaries, load, compareAbi, searchDirs, checkPlatform, unsupportedPlatformReason, SUPPORTED_PLATFORMS };
