#!/usr/bin/env bash
# Runs on the GPU machine (device tool): two builds of the stack measured in one lease, so their
# difference is not the machine's. STAGE holds tree-before.tar.xz and tree.tar.xz (stage-perf.sh,
# renaming the first), run-node and softdevice-runtime.tar.xz. The overhead runs alternate
# before / after (REPEAT pairs), then each build's null- and libav-engine sessions (PARTS).
# The after tree's h200-perf.sh drives both. Everything lands in $OUT/ab.tar.gz. Real CUDA + the software NVENC engine: never an NVENC
# hardware measurement.
set -uo pipefail
stage=${STAGE:?STAGE: the folder stage-perf.sh filled}
out=${OUT:-/tmp/out}
for t in before after; do
  mkdir -p "/tmp/ab/$t"
  tar -C "/tmp/ab/$t" -xJf "$stage/$([[ $t == before ]] && echo tree-before || echo tree).tar.xz"
done
run() { # tree label, then h200-perf.sh's settings as VAR=value
  local t=$1 label=$2
  shift 2
  (cd "/tmp/ab/$t" && env OUT="/tmp/ab/out/$label" NODE="$stage/run-node" RUNTIME="$stage/softdevice-runtime.tar.xz" "$@" \
    bash /tmp/ab/after/scripts/device/h200-perf.sh > "/tmp/ab/$label.log" 2>&1)
  echo "== $label"
  grep -A12 '^1\. JS-side' "/tmp/ab/$label.log" | grep -E '^(device|pinned)' || tail -5 "/tmp/ab/$label.log"
}
mkdir -p /tmp/ab/out
for k in $(seq 1 "${REPEAT:-2}"); do
  run before "before-$k" REPEAT=1 NOSPIN=0 PARTS=none
  run after "after-$k" REPEAT=1 NOSPIN=0 PARTS=none
done
run after after-nospin REPEAT=1 NOSPIN=0 PARTS=none NVENC_WORKER_SPIN_US=0
for t in before after; do
  run "$t" "$t-suite" REPEAT=0 PARTS="${PARTS:-sessions}" SESSIONS="${SESSIONS:-1,2,4,8}"
  tail -16 "/tmp/ab/$t-suite.log"
done
for l in /tmp/ab/out/*/reports.tar.gz; do (cd "$(dirname "$l")" && tar -xzf reports.tar.gz && rm reports.tar.gz); done
cp /tmp/ab/*.log /tmp/ab/out/
tar -C /tmp/ab/out -czf "$out/ab.tar.gz" .
