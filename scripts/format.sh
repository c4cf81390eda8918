#!/usr/bin/env bash
# The one formatter for the repository: Prettier for TypeScript/JavaScript, clang-format for C/C++,
# over tracked sources (git ls-files) below the given paths (default: the whole repository).
#   bash scripts/format.sh [path…]           rewrite files in place (`pnpm run format`: everything)
#   bash scripts/format.sh --check [path…]   list files that differ and fail (part of `lint`)
# Configuration: .prettierrc.json, .clang-format. clang-format is Debian's `clang-format` package.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
[[ ${1:-} == --check ]] && { check=1; shift; }
paths=("$@")
((${#paths[@]})) || paths=("$root")

# Tracked files under each path (a directory or a file), as absolute paths.
js=() cxx=()
for path in "${paths[@]}"; do
  abs=$(realpath "$path")
  rel=${abs#"$root"}
  rel=${rel#/}
  prefix=${rel:+$rel/}
  [[ -f $abs ]] && prefix=$rel
  while IFS= read -r -d '' f; do
    case $f in
      *.ts | *.mts | *.cts | *.js | *.mjs | *.cjs) js+=("$root/$f") ;;
      *.cc | *.cpp | *.c | *.h | *.hpp | *.inc) cxx+=("$root/$f") ;;
    esac
  done < <(if [[ -f $abs ]]; then git -C "$root" ls-files -z -- "$rel"; else git -C "$root" ls-files -z -- "$prefix*"; fi)
done

prettier="$root/node_modules/.bin/prettier"
status=0
if ((${#js[@]})); then
  if ((check)); then
    "$prettier" --check --log-level warn "${js[@]}" || status=1
  else
    "$prettier" --write --log-level warn "${js[@]}"
  fi
fi
if ((${#cxx[@]})); then
  command -v clang-format >/dev/null || { echo 'format: clang-format not found (apt-get install clang-format)' >&2; exit 1; }
  if ((check)); then
    bad=()
    for f in "${cxx[@]}"; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("${f#"$root"/}"); done
    if ((${#bad[@]})); then
      printf '[warn] %s\n' "${bad[@]}" >&2
      echo "[warn] clang-format: ${#bad[@]} file(s) differ; run: pnpm run format" >&2
      status=1
    fi
  else
    clang-format -i "${cxx[@]}"
  fi
fi
exit $status
