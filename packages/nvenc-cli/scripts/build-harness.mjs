// Builds harness/nvenc_harness.cpp once per NVENC ABI of third_party/nvenc-abis.json into
// build/harness/nvenc_harness_<abi>, so the suite compares the addon with a C++ loop compiled
// against the same header. A missing compiler or header skips the build with a note: the CLI
// then reports the overhead measurement as unavailable instead of failing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(pkgDir, '..', '..');
const source = join(pkgDir, 'harness', 'nvenc_harness.cpp');
const outDir = join(pkgDir, 'build', 'harness');
const cxx = process.env.CXX || 'g++';
// --force rebuilds (e.g. on another machine whose glibc is older than the one that built the binary).
const force = process.argv.includes('--force');

let abis = [];
try {
  abis = JSON.parse(readFileSync(join(repoRoot, 'third_party', 'nvenc-abis.json'), 'utf8')).abis;
} catch (err) {
  console.warn(`build-harness: skipped (cannot read third_party/nvenc-abis.json: ${err.message})`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
for (const entry of abis) {
  const includeDir = entry.headerDir ?? join(repoRoot, 'third_party', 'nvenc-headers', entry.abi, 'include');
  if (!existsSync(join(includeDir, 'ffnvcodec', 'nvEncodeAPI.h'))) {
    console.warn(
      `build-harness: NVENC ${entry.abi} headers missing in ${includeDir} (run: bash third_party/fetch-nvenc-headers.sh); skipped`,
    );
    continue;
  }
  const out = join(outDir, `nvenc_harness_${entry.abi.replace('.', '_')}`);
  if (!force && existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) continue;
  const args = [
    '-std=c++17',
    '-O2',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-Wno-missing-field-initializers',
    `-I${includeDir}`,
    source,
    '-o',
    out,
    '-ldl',
  ];
  try {
    execFileSync(cxx, args, { stdio: 'inherit' });
    console.log(`build-harness: built ${out}`);
  } catch (err) {
    console.warn(`build-harness: ${cxx} failed for NVENC ${entry.abi}: ${err.message}`);
    process.exitCode = 1;
  }
}
