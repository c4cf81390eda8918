#!/bin/sh
# Checks the built software libcuda: SONAME is libcuda.so.1, and every symbol
# that nv-codec-headers' cuda_load_functions() loads (LOAD_SYMBOL: required by
# FFmpeg; LOAD_SYMBOL_OPT: optional, but exported here too) is defined.
# usage: check_symbols.sh <libcuda.so.1> <dynlink_loader.h>...
set -u
lib=$1; shift
fail=0

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = "libcuda.so.1" ]; then
  echo "PASS soname = $soname"
else
  echo "FAIL soname = '$soname' (want libcuda.so.1)"; fail=1
fi

exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "W" || $2 == "i" { print $3 }')

for header in "$@"; do
  # Only the body of cuda_load_functions(), not the cuvid/nvenc loaders.
  body=$(sed -n '/cuda_load_functions(/,/GENERIC_LOAD_FUNC_FINALE(cuda)/p' "$header")
  req=$(printf '%s\n' "$body" | grep 'LOAD_SYMBOL(' | sed 's/.*"\([A-Za-z0-9_]*\)".*/\1/')
  opt=$(printf '%s\n' "$body" | grep 'LOAD_SYMBOL_OPT(' | sed 's/.*"\([A-Za-z0-9_]*\)".*/\1/')
  n=0; missing=""
  for s in $req $opt; do
    n=$((n + 1))
    printf '%s\n' "$exported" | grep -qx "$s" || missing="$missing $s"
  done
  if [ "$n" -lt 40 ]; then
    echo "FAIL $header: parsed only $n symbols"; fail=1
  elif [ -n "$missing" ]; then
    echo "FAIL $header: missing$missing"; fail=1
  else
    echo "PASS $header: all $n cuda_load_functions symbols exported"
  fi
done

# The symbols newer clients load (GStreamer 1.22, FFmpeg 8): the first column of the table in
# cuda/README.md ("Symbols added for clients ..."), so the documentation and the check agree.
readme=$(dirname "$0")/../../cuda/README.md
table=$(sed -n '/^## Symbols added for clients/,/^## /p' "$readme" | sed -n 's/^| `\(cu[A-Za-z0-9_]*\)` |.*/\1/p')
n=0; missing=""
for s in $table; do
  n=$((n + 1))
  printf '%s\n' "$exported" | grep -qx "$s" || missing="$missing $s"
done
if [ "$n" -lt 13 ]; then
  echo "FAIL cuda/README.md client table: parsed only $n symbols"; fail=1
elif [ -n "$missing" ]; then
  echo "FAIL cuda/README.md client table: missing$missing"; fail=1
else
  echo "PASS all $n symbols of the README's client table exported"
fi

# Nothing but the CUDA API and the nvsoft_ extras may be exported.
extra=$(printf '%s\n' "$exported" | grep -v -e '^cu' -e '^nvsoft_cuda_' -e '^_init$' -e '^_fini$' || true)
if [ -n "$extra" ]; then
  echo "FAIL unexpected exports: $(echo $extra | head -c 400)"; fail=1
else
  echo "PASS exports limited to cu* and nvsoft_cuda_*"
fi
exit $fail
