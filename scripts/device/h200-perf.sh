#!/usr/bin/env bash
# Runs on the GPU machine (device tool) inside the tree unpacked from .device/perf/tree.tar.xz
# (stage-perf.sh). Real CUDA + the software NVENC engine (null / libav): never an NVENC hardware
# measurement. Writes everything to $OUT (at most 8 files come back: reports are packed).
#   ROUNDS (30) FRAMES (500: frames per overhead round) REPEAT (2: overhead runs) SESSIONS_S (4)
#   NOSPIN (1: also run the overhead once with NVENC_WORKER_SPIN_US=0) PARTS (suite parts; none: skip)
set -uo pipefail
OUT=${OUT:-/tmp/out}
here=$(pwd)
node=${NODE:?NODE: the run-node launcher staged by stage-perf.sh}
$node --version
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader
nproc; grep -m1 'model name' /proc/cpuinfo; lscpu | grep -E '^(Thread|Core|Socket|NUMA node\(s\)|L3)' || true
[[ -f /tmp/softdevice-runtime/.unpacked ]] || { mkdir -p /tmp/softdevice-runtime &&
  xz -dc "${RUNTIME:?RUNTIME: softdevice-runtime.tar.xz staged by stage-perf.sh}" | tar -C /tmp/softdevice-runtime -xf - &&
  touch /tmp/softdevice-runtime/.unpacked; }
export LD_LIBRARY_PATH=/tmp/softdevice-runtime${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# pnpm's workspace links are not carried: recreate the ones the built packages resolve.
link() { mkdir -p "$(dirname "$1")"; ln -sfn "$2" "$1"; }
link packages/nvenc/node_modules/@nvenc-ts/native ../../../nvenc-native
link packages/nvenc/node_modules/@nvenc-ts/software-device ../../../nvenc-software-device
link packages/nvenc-cli/node_modules/@nvenc-ts/nvenc ../../../nvenc
link packages/nvenc-cli/node_modules/@nvenc-ts/native ../../../nvenc-native
link packages/nvenc-cli/node_modules/@nvenc-ts/software-device ../../../nvenc-software-device
cli=packages/nvenc-cli/dist/cli.js
mkdir -p "$OUT/r"
# The C++ harness (raw copy references) serves only the upload part.
[[ ${PARTS:-upload} != *upload* ]] ||
  $node packages/nvenc-cli/scripts/build-harness.mjs --force > "$OUT/r/harness-build.txt" 2>&1 || tail -5 "$OUT/r/harness-build.txt"

echo "== 1. JS-side overhead (null engine, no read-back), ${REPEAT:-2} runs"
for k in $(seq 1 "${REPEAT:-2}"); do
  timeout 200 $node $cli suite --device gpu:0 --only overhead --rounds "${ROUNDS:-30}" --overhead-frames "${FRAMES:-500}" \
    --json="$OUT/r/overhead-$k.json" > "$OUT/r/overhead-$k.txt" 2>&1
  echo "exit $?"; tail -6 "$OUT/r/overhead-$k.txt"
done
echo "== 1b. the same without the worker's spin before sleeping (NVENC_WORKER_SPIN_US=0)"
[[ ${REPEAT:-2} == 0 || ${NOSPIN:-1} == 0 ]] || NVENC_WORKER_SPIN_US=0 timeout 200 $node $cli suite --device gpu:0 --only overhead --rounds "${ROUNDS:-30}" --overhead-frames "${FRAMES:-500}" \
  --json="$OUT/r/overhead-nospin.json" > "$OUT/r/overhead-nospin.txt" 2>&1
echo "exit $?"; tail -6 "$OUT/r/overhead-nospin.txt"
echo "== 2-5. full suite (upload, lag, depth, sessions) with the HTML report"
[[ ${PARTS:-} == none ]] || timeout 330 $node $cli suite --device gpu:0 --only "${PARTS:-upload,lag,depth,sessions}" --sessions "${SESSIONS:-1,2,4,8,16}" --sessions-seconds "${SESSIONS_S:-4}" \
  --json="$OUT/r/suite.json" --report="$OUT/suite.html" > "$OUT/r/suite.txt" 2>&1
echo "exit $?"; tail -45 "$OUT/r/suite.txt"
(cd "$OUT" && tar -czf reports.tar.gz r && rm -rf r)
