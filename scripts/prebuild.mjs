#!/usr/bin/env node
// Copies the built native binaries into each package's prebuilds/<platform>-<arch>/, the folder the
// packed tarball ships (like sharp's platform packages: `npm i` never compiles). Run after
// `pnpm run build`; the packages' `prepack` runs it for themselves, so `pnpm -r pack` always
// packs fresh binaries. It also records what the binaries need from the system (glibc symbol
// versions, shared libraries) in prebuilds/<platform>-<arch>/requirements.json and prints it.
//
//   node scripts/prebuild.mjs                    # both packages
//   node scripts/prebuild.mjs packages/nvenc-native
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const platformDir = `${process.platform}-${process.arch}`;
const abis = JSON.parse(readFileSync(path.join(root, 'third_party', 'nvenc-abis.json'), 'utf8')).abis.map((e) => e.abi);

// What each package ships: every file must exist (a missing one fails the pack, never silently).
const packages = {
  'nvenc-native': {
    from: 'build/Release',
    files: abis.map((abi) => `nvenc_${abi.replace('.', '_')}.node`),
  },
  'nvenc-software-device': {
    from: 'build/lib',
    // The helper sits next to libnvidia-encode.so.1 (it is found through dladdr of the library).
    files: ['libcuda.so.1', 'libnvidia-encode.so.1', 'nvsoft-nvenc-helper'],
  },
};

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

if (platformDir !== 'linux-x64') fail(`prebuilt binaries are made on linux-x64 only (this is ${platformDir})`);

const args = process.argv.slice(2);
const selected = args.length === 0 ? Object.keys(packages) : args.map((a) => path.basename(path.resolve(a)));
for (const name of selected)
  if (!packages[name]) fail(`unknown package ${name}; expected one of ${Object.keys(packages).join(', ')}`);

function versions(text, prefix) {
  const found = new Set(text.match(new RegExp(`\\b${prefix}_[0-9.]*[0-9]`, 'g')) ?? []);
  return [...found].sort((a, b) => compareVersions(a.slice(prefix.length + 1), b.slice(prefix.length + 1)));
}

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Symbol versions and DT_NEEDED libraries of one ELF file (objdump from binutils; skipped without it). */
function requirements(file) {
  let dynamic;
  let headers;
  try {
    dynamic = execFileSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    headers = execFileSync('objdump', ['-p', file], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const glibc = versions(dynamic, 'GLIBC');
  const glibcxx = versions(dynamic, 'GLIBCXX');
  return {
    glibc: glibc.at(-1)?.replace('GLIBC_', '') ?? null,
    glibcxx: glibcxx.at(-1)?.replace('GLIBCXX_', '') ?? null,
    needed: [...headers.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]),
  };
}

for (const name of selected) {
  const pkgDir = path.join(root, 'packages', name);
  const { from, files } = packages[name];
  const missing = files.filter((f) => !existsSync(path.join(pkgDir, from, f)));
  if (missing.length > 0) {
    fail(
      `${name}: ${missing.map((f) => path.join(from, f)).join(', ')} not built; run: pnpm --filter ./packages/${name} build`,
    );
  }
  const outDir = path.join(pkgDir, 'prebuilds', platformDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const report = {
    platform: platformDir,
    builtWith: { glibc: process.report.getReport().header.glibcVersionRuntime },
    files: {},
  };
  for (const file of files) {
    const src = path.join(pkgDir, from, file);
    const dest = path.join(outDir, file);
    copyFileSync(src, dest);
    chmodSync(dest, statSync(src).mode & 0o777);
    report.files[file] = requirements(dest) ?? 'objdump not available';
  }
  const needs = Object.values(report.files).filter((r) => typeof r === 'object');
  report.requires = {
    glibc:
      needs
        .map((r) => r.glibc)
        .filter(Boolean)
        .sort(compareVersions)
        .at(-1) ?? null,
    glibcxx:
      needs
        .map((r) => r.glibcxx)
        .filter(Boolean)
        .sort(compareVersions)
        .at(-1) ?? null,
  };
  writeFileSync(path.join(outDir, 'requirements.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `prebuild: ${name}/prebuilds/${platformDir}: ${files.join(', ')} ` +
      `(needs glibc >= ${report.requires.glibc}, libstdc++ GLIBCXX_${report.requires.glibcxx}; built on glibc ${report.builtWith.glibc})`,
  );
}
