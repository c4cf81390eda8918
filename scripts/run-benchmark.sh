#!/usr/bin/env bash
# The main job: the nvenc-bench benchmark on the NVIDIA driver when it has an NVENC engine, else on
# the software device (the first line of output says which). Extra arguments go to nvenc-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >&2
exec node packages/nvenc-cli/dist/cli.js "$@"
