#!/usr/bin/env bash
# Every test of the workspace, after installing what they need (Chromium for the noVNC test).
set -euo pipefail
cd "$(dirname "$0")/.."
NVENC_EXTRA_APT="chromium" bash scripts/bootstrap.sh
export NX_DAEMON=false NX_NO_CLOUD=true
pnpm run typecheck
pnpm run test
# The packed tarballs install with plain npm and no compiler, and encode (issue #7).
bash scripts/pack-and-install-test.sh
