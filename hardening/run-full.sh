#!/usr/bin/env bash
# The full hardening campaign behind docs/hardening.md (`pnpm run hardening`): soak runs at full
# counts, 10^7 executions per fuzz target, a long native frame-descriptor run and the ASan/UBSan
# suite. Results go to hardening/results/*.json. Takes about 25 minutes on 2 cores.
# Needs the workspace built (pnpm run build). FUZZ_RUNS / NATIVE_CASES override the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
out=hardening/results
mkdir -p "$out"
status=0

echo "== soak"
node --expose-gc hardening/soak.mjs null --count 1000000 --json "$out/soak-null.json" --quiet || status=1
node --expose-gc hardening/soak.mjs real --count 100000 --size 128x96 --json "$out/soak-real.json" --quiet || status=1
node --expose-gc hardening/soak.mjs lifecycle --count 10000 --json "$out/soak-lifecycle.json" --quiet || status=1
node --expose-gc hardening/soak.mjs concurrent --count 10000 --json "$out/soak-concurrent.json" --quiet || status=1

echo "== fuzzing (${FUZZ_RUNS:=10000000} executions per target)"
for t in codec-string-h264 codec-string-hevc codec-string-av1 rfb-client-parser frame-descriptor; do
  node hardening/fuzz/run.mjs "$t" --runs "$FUZZ_RUNS" --summary "$out/fuzz-$t.json" 2>/dev/null || status=1
done

echo "== native frame descriptors (${NATIVE_CASES:=1000000} cases)"
HARDENING_NATIVE_FUZZ_CASES=$NATIVE_CASES node --test hardening/test/native-frames.test.mjs | tee "$out/native-frames.tap" | grep -E '^# (pass|fail)|native frame' || status=1

echo "== sanitizers"
bash hardening/sanitize.sh || status=1
exit $status
