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
# The package suites, examples and pack-and-install again on Node 22 and 24 (issue #17).
bash scripts/test-other-node.sh
# API reference: typedoc fails on any warning, an undocumented export included (issue #17).
pnpm run docs
# Hardening (issue #8): faults, reduced soak, fuzz-corpus replay, native frame fuzzing, error docs.
pnpm run test:hardening
# ASan + UBSan build of the native addon and the software device, native + hardening tests on it
# (about 3 minutes on 2 cores, most of it compiling).
bash hardening/sanitize.sh
# ESLint (typescript-eslint, type-aware), Prettier and clang-format checks (issue #17).
pnpm run lint
