#!/bin/sh
# The software NVENC library exports exactly the NVIDIA entry points plus the nvsoft_ helpers.
set -e
lib="$1"
got="$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBVWi]$/ { print $3 }' | sort | tr '\n' ' ')"
want="NvEncodeAPICreateInstance NvEncodeAPIGetMaxSupportedVersion nvsoft_nvenc_identify nvsoft_nvenc_live_objects nvsoft_nvenc_live_sessions "
[ "$got" = "$want" ] || { echo "exports: '$got' want '$want'"; exit 1; }
soname="$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')"
[ "$soname" = "libnvidia-encode.so.1" ] || { echo "SONAME $soname"; exit 1; }
echo "exports and SONAME ok"
