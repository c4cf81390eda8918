#!/usr/bin/env bash
# ASan + UBSan run of the native layer: builds the native addon (NVENC_SANITIZE=ON) and the
# software device (NVSOFT_SANITIZE=ON) into their own build-asan/ directories, then runs
#   1. the software device's ctest suite (C++ API tests, sanitized end to end),
#   2. the native addon's test suite (node --test) against the sanitized software device,
#   3. the hardening tests (fault injection, soak smoke, native frame-descriptor fuzzing).
# Node itself is not instrumented, so libasan is preloaded and leak detection is off (Node does
# not free everything at exit); every other ASan/UBSan report fails the run.
# Usage: bash hardening/sanitize.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$(date +%s)

if [[ "${1:-}" != "--no-build" ]]; then
  echo "== building the software device with ASan + UBSan (packages/nvenc-software-device/build-asan)"
  cmake -S packages/nvenc-software-device -B packages/nvenc-software-device/build-asan -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNVSOFT_SANITIZE=ON >/dev/null
  cmake --build packages/nvenc-software-device/build-asan -j"${HARDENING_JOBS:-2}"
  echo "== building the native addon with ASan + UBSan (packages/nvenc-native/build-asan)"
  (cd packages/nvenc-native && npx cmake-js compile -O build-asan --CDCMAKE_BUILD_TYPE=RelWithDebInfo --CDNVENC_SANITIZE=ON >/dev/null)
fi

native_dir=$(dirname "$(find packages/nvenc-native/build-asan -name 'nvenc_12_1.node' -print -quit)")
soft_dir=$root/packages/nvenc-software-device/build-asan/lib
[[ -f "$native_dir/nvenc_12_1.node" && -f "$soft_dir/libnvidia-encode.so.1" ]] || { echo "sanitized builds missing"; exit 1; }

logs=$(mktemp -d /tmp/nvenc-sanitize.XXXXXX)
asan_lib=$(gcc -print-file-name=libasan.so)
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:log_path=$logs/asan:symbolize=1:allow_user_segv_handler=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
export NVENC_NATIVE_BUILD_DIR=$root/$native_dir NVENC_SOFT_LIB_DIR=$soft_dir

status=0
echo "== 1/3 software device ctest (sanitized)"
ctest --test-dir packages/nvenc-software-device/build-asan --output-on-failure || status=1

echo "== 2/3 native test suite (sanitized addon + device)"
(cd packages/nvenc-native && LD_PRELOAD=$asan_lib node --test test/*.test.mjs) || status=1

echo "== 3/3 hardening tests (sanitized addon + device)"
LD_PRELOAD=$asan_lib HARDENING_NATIVE_FUZZ_CASES=${HARDENING_NATIVE_FUZZ_CASES:-3000} \
  node --expose-gc --test hardening/test/faults.test.mjs hardening/test/native-frames.test.mjs hardening/test/soak.test.mjs hardening/test/exit-race.test.mjs || status=1

reports=$(find "$logs" -type f | wc -l)
if [[ $reports -gt 0 ]]; then
  echo "== sanitizer reports ($reports):"
  for f in "$logs"/*; do echo "--- $f"; head -60 "$f"; done
  status=1
else
  echo "== no sanitizer reports"
fi
echo "== sanitize.sh finished in $(( $(date +%s) - start )) s, status $status"
exit $status
