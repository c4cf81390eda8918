#!/usr/bin/env bash
# Runs on the GPU machine (device tool): what hardwareAcceleration does there
# (packages/webcodecs/scripts/hardware-acceleration.mjs), in three orders of first use; output in
# $OUT. The device tool carries the ignored folders of the checkout the session started in, so
# everything the run needs is staged into one folder D beside this script (see the device log):
# node.xz + run-node + softdevice-runtime.tar.xz (scripts/device/stage.sh) and repo/packages/ with
# the built nvenc-native, nvenc-software-device, nvenc and webcodecs (package.json, index.cjs,
# build outputs, dist, webcodecs/scripts). Run: bash D/webcodecs-run.sh
set -uo pipefail
OUT=${OUT:-/tmp/out}
D=$(cd "$(dirname "$0")" && pwd)
node=$D/run-node
cd "$D/repo" || exit 1
$node --version
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpus.txt"
mkdir -p /tmp/softdevice-runtime && xz -dc "$D/softdevice-runtime.tar.xz" | tar -C /tmp/softdevice-runtime -xf -
export LD_LIBRARY_PATH=/tmp/softdevice-runtime${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# pnpm's workspace links are not carried: recreate the ones the built packages resolve.
link() { mkdir -p "$(dirname "$1")"; ln -sfn "$2" "$1"; }
link packages/nvenc/node_modules/@nvenc-ts/native ../../../nvenc-native
link packages/nvenc/node_modules/@nvenc-ts/software-device ../../../nvenc-software-device
link packages/webcodecs/node_modules/@nvenc-ts/nvenc ../../../nvenc
script=packages/webcodecs/scripts/hardware-acceleration.mjs
echo "== NVIDIA first: prefer-hardware, no-preference, prefer-software"
$node $script prefer-hardware no-preference prefer-software > "$OUT/hwaccel-nvidia-first.json" 2> "$OUT/hwaccel-nvidia-first.stderr"
echo "exit $?"
echo "== no-preference alone (fresh process)"
$node $script no-preference > "$OUT/hwaccel-no-preference.json" 2> "$OUT/hwaccel-no-preference.stderr"
echo "exit $?"
echo "== software first: prefer-software, no-preference, prefer-hardware"
$node $script prefer-software no-preference prefer-hardware > "$OUT/hwaccel-software-first.json" 2> "$OUT/hwaccel-software-first.stderr"
echo "exit $?"
for f in "$OUT"/*.json; do echo "--- $f"; grep -E '"(preference|codec|isConfigSupported|configureLongestGapMs|chunks|kind|name|code)"' "$f" | head -60; done
tail -5 "$OUT"/*.stderr
