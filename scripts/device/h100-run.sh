#!/usr/bin/env bash
# Runs on the GPU machine (device tool) from the repository root, after stage.sh, with carry:
# .device, third_party/nvenc-headers, packages/nvenc-native/build/Release,
# packages/nvenc-software-device/build/lib, packages/nvenc/dist, packages/nvenc-cli/dist.
# Everything it prints or writes lands in $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/out}
node=.device/run-node
$node --version
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
mkdir -p /tmp/softdevice-runtime && xz -dc .device/softdevice-runtime.tar.xz | tar -C /tmp/softdevice-runtime -xf -
export LD_LIBRARY_PATH=/tmp/softdevice-runtime${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# pnpm's workspace links are not carried: recreate the ones the built packages resolve.
link() { mkdir -p "$(dirname "$1")"; ln -sfn "$2" "$1"; }
link packages/nvenc/node_modules/@nvenc-ts/native ../../../nvenc-native
link packages/nvenc/node_modules/@nvenc-ts/software-device ../../../nvenc-software-device
link packages/nvenc-cli/node_modules/@nvenc-ts/nvenc ../../../nvenc
link packages/nvenc-cli/node_modules/@nvenc-ts/native ../../../nvenc-native
link packages/nvenc-cli/node_modules/@nvenc-ts/software-device ../../../nvenc-software-device
soft=$PWD/packages/nvenc-software-device/build/lib

echo "== 1. driver proof (each ABI against NVIDIA's driver)"
$node packages/nvenc-native/scripts/driver-proof.mjs "$PWD/packages/nvenc-native/build/Release" > "$OUT/driver-proof.json"
echo "== 2. encoder on NVIDIA's driver (expect: no NVENC engine, named)"
$node packages/nvenc-native/test/gpu/encoder-proof.mjs "$PWD/packages/nvenc-native/build/Release" > "$OUT/encoder-proof.json" 2>&1
echo "== 3. real CUDA + software engine: device-pointer round trip"
$node packages/nvenc-native/test/gpu/hybrid-roundtrip.mjs packages/nvenc-native/build/Release "$soft/libnvidia-encode.so.1" "$OUT" > "$OUT/hybrid.json" 2>&1
echo "== 4. native test suite on the software device"
$node --test packages/nvenc-native/test/ > "$OUT/native-tests.txt" 2>&1; tail -8 "$OUT/native-tests.txt"
echo "== 5. benchmark suite (auto: real CUDA + software engine on a GPU without NVENC)"
$node packages/nvenc-cli/scripts/build-harness.mjs --force > "$OUT/harness-build.txt" 2>&1 || tail -5 "$OUT/harness-build.txt"
timeout 420 $node packages/nvenc-cli/dist/cli.js suite --json="$OUT/suite-h100.json" > "$OUT/suite-h100.txt" 2>&1
echo "suite exit $?"; tail -60 "$OUT/suite-h100.txt"
# At most 8 files come back: pack the reports into one archive, keep the streams beside it.
(cd "$OUT" && tar -czf reports.tar.gz *.json *.txt && rm -f *.json *.txt)
