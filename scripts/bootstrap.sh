#!/usr/bin/env bash
# Installs everything the workspace needs on a fresh Debian 12 machine with Node 20 (run as root,
# or with sudo available): Debian packages, pnpm, npm dependencies, NVIDIA's NVENC headers (from
# Debian, sha256-checked) and the native builds. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in g++ cmake ninja-build pkg-config xz-utils ffmpeg libavcodec-dev libavutil-dev libswscale-dev vncsnapshot tigervnc-viewer xtightvncviewer xvfb x11-apps clang-format \
           gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
           ${NVENC_EXTRA_APT:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  echo "bootstrap: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "bootstrap: installing pnpm"
  npm install -g pnpm@12 >/dev/null 2>&1
fi

export NX_DAEMON=false NX_NO_CLOUD=true
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3
bash third_party/fetch-nvenc-headers.sh
pnpm run build
