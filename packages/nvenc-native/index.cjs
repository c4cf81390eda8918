'use strict';
// The one loader of this package's per-ABI binaries (sharp's lib/sharp.js role): where they are
// searched, what they are called, how one is loaded and checked, and the one error that lists
// every attempt with possible solutions. Choosing an ABI (the newest the driver supports) is
// @nvenc-ts/nvenc's job, and so is the platform check: npm skips this package on other platforms
// (package.json "os"/"cpu"/"libc"), so only the package that is always installed can explain that.
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE = '@nvenc-ts/native';
const BINARY_NAME = /^nvenc_(\d+)_(\d+)\.node$/;

/** This package's directory; NVENC_NATIVE_DIR points the search elsewhere (tests, sanitizer builds, packagers). */
function packageDir() {
  const override = process.env.NVENC_NATIVE_DIR;
  return override ? path.resolve(override) : __dirname;
}

/** Directories searched, in order: a local build first, then the prebuilt binaries. */
function searchDirs(dir = packageDir()) {
  return [path.join(dir, 'build', 'Release'), path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`)];
}

function compareAbi(a, b) {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

function binaryName(abi) {
  return `nvenc_${abi.replace('.', '_')}.node`;
}

/** @returns {{ abi: string, path: string }[]} one per ABI (the first directory wins), newest ABI first */
function binaries(dir = packageDir()) {
  const found = new Map();
  for (const d of searchDirs(dir)) {
    let names = [];
    try {
      names = fs.readdirSync(d).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const m = BINARY_NAME.exec(name);
      if (m && !found.has(`${m[1]}.${m[2]}`)) found.set(`${m[1]}.${m[2]}`, path.join(d, name));
    }
  }
  return [...found.entries()].map(([abi, p]) => ({ abi, path: p })).sort((a, b) => compareAbi(b.abi, a.abi));
}

function errorText(err) {
  if (err instanceof Error) {
    const first = err.message.split('\n')[0];
    return typeof err.code === 'string' ? `${err.code}: ${first}` : first;
  }
  return String(err);
}

function possibleSolutions(attempts) {
  const text = attempts.map((a) => a.error).join('\n');
  const solutions = [];
  if (/GLIBC_|GLIBCXX_/.test(text)) {
    solutions.push(
      'The binary needs a newer glibc/libstdc++ than this system has: use a newer distribution or rebuild from source.',
    );
  }
  if (/NODE_MODULE_VERSION|napi|Module did not self-register/i.test(text)) {
    solutions.push(`Rebuild for this Node.js (${process.version}): pnpm --filter ${PACKAGE} build`);
  }
  solutions.push(
    `Build the binaries from source: pnpm --filter ${PACKAGE} build (needs cmake, a C++17 compiler and the NVENC headers: bash third_party/fetch-nvenc-headers.sh).`,
  );
  solutions.push(
    `Reinstall so the prebuilt binaries are present: rm -rf node_modules && pnpm install (prebuilds live in ${PACKAGE}/prebuilds/linux-x64).`,
  );
  return solutions;
}

function notFound(what, dir, attempts) {
  const lines = [
    `Could not load the ${PACKAGE} binary (${what}) on ${process.platform}-${process.arch}, Node ${process.version}.`,
  ];
  lines.push(`Searched: ${searchDirs(dir).join(', ')}`);
  if (attempts.length > 0) {
    lines.push('Tried:');
    for (const a of attempts) lines.push(`  - ${a.path}: ${a.error}`);
  }
  lines.push('Possible solutions:');
  for (const s of possibleSolutions(attempts)) lines.push(`  - ${s}`);
  const err = new Error(lines.join('\n'));
  err.code = 'ERR_NVENC_BINARY_NOT_FOUND';
  err.attempts = attempts;
  return err;
}

const loaded = new Map();

function loadFile(entry) {
  const cached = loaded.get(entry.path);
  if (cached) return cached;
  const binding = require(entry.path);
  if (typeof binding?.probe !== 'function' || typeof binding.abi !== 'string') {
    throw new Error('not an nvenc binding (no probe() / abi export)');
  }
  if (binding.abi !== entry.abi)
    throw new Error(`file name says ABI ${entry.abi} but the binary reports ${binding.abi}`);
  const result = { abi: binding.abi, path: entry.path, binding };
  loaded.set(entry.path, result);
  return result;
}

/**
 * Loads the binary for `abi`, or — without `abi` — the newest binary that loads. Returns
 * { abi, path, binding }. Throws one Error (code ERR_NVENC_BINARY_NOT_FOUND, `attempts`) that
 * lists what was searched, every file tried with its error, and possible solutions.
 */
function loadBinary(abi) {
  const dir = packageDir();
  const all = binaries(dir);
  const candidates = abi === undefined ? all : all.filter((b) => b.abi === abi);
  const attempts = [];
  for (const candidate of candidates) {
    try {
      return loadFile(candidate);
    } catch (err) {
      attempts.push({ path: candidate.path, error: errorText(err) });
    }
  }
  if (candidates.length === 0) {
    const name = abi === undefined ? 'nvenc_<abi>.node' : binaryName(abi);
    for (const d of searchDirs(dir)) attempts.push({ path: path.join(d, name), error: 'no such file' });
  }
  const what =
    abi === undefined ? `any ABI; found ${all.length === 0 ? 'none' : all.map((b) => b.abi).join(', ')}` : `ABI ${abi}`;
  throw notFound(what, dir, attempts);
}

/** The binding module for one ABI (e.g. '12.1'); its surface is described in BINDING.md. */
function load(abi) {
  return loadBinary(abi).binding;
}

module.exports = { binaries, load, loadBinary, compareAbi, searchDirs, packageDir };
