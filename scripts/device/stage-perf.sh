#!/usr/bin/env bash
# Stages everything the perf run (h200-perf.sh) needs into DEST (default .device/perf of the
# checkout the device tool sends): Node, the software device's runtime libraries (stage.sh), and
# tree.tar.xz with the built packages of this worktree. On the device machine:
#   mkdir -p /tmp/w && tar -C /tmp/w -xJf .device/perf/tree.tar.xz && cd /tmp/w && bash scripts/device/h200-perf.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${DEST:-$root/.device/perf}
mkdir -p "$dest"
# TREE_ONLY=1: Node and the runtime are staged already; only the built packages changed.
[[ -n ${TREE_ONLY:-} ]] || DEST=$dest bash "$root/scripts/device/stage.sh" >/dev/null
chart=$(cd "$root/packages/nvenc-cli" && node -p "require('path').dirname(require.resolve('chart.js'))")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/packages/nvenc-cli/node_modules/chart.js"
cp -a "$chart" "$work/packages/nvenc-cli/node_modules/chart.js/dist"
cp "$chart/../package.json" "$work/packages/nvenc-cli/node_modules/chart.js/"
cd "$root"
tar -cf "$work/tree.tar" \
  scripts/device \
  third_party/nvenc-abis.json third_party/nvenc-headers \
  packages/nvenc/package.json packages/nvenc/dist \
  packages/nvenc-native/package.json packages/nvenc-native/index.cjs packages/nvenc-native/build/Release/nvenc_11_1.node \
  packages/nvenc-native/build/Release/nvenc_12_1.node packages/nvenc-native/scripts packages/nvenc-native/test \
  packages/nvenc-software-device/package.json packages/nvenc-software-device/index.cjs packages/nvenc-software-device/build/lib \
  packages/nvenc-cli/package.json packages/nvenc-cli/dist packages/nvenc-cli/harness packages/nvenc-cli/scripts
tar -C "$work" -rf "$work/tree.tar" packages/nvenc-cli/node_modules/chart.js
xz -T0 -6 -c "$work/tree.tar" > "$dest/tree.tar.xz"
du -sh "$dest"/*
