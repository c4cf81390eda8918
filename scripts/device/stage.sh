#!/usr/bin/env bash
# Stages what a GPU-machine run needs into .device/ (see ../../../shared/device/README.md): Node,
# and the runtime closure of the software NVENC device (Debian's libavcodec and its libraries),
# which the GPU machine's image lacks. Two large libraries nothing there uses (ICU's data,
# the codec2 speech codec) are replaced by small stand-ins (stubs/) to fit the 64 MiB carry limit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# DEST: where to stage (default .device of this checkout). The device tool carries ignored
# folders of the checkout the session started in, which may not be this worktree.
dir=${DEST:-$root/.device}
shared=${SHARED_DIR:-$root/../shared}
[[ -f $shared/device/stage.sh ]] || shared=/work/shared
bash "$shared/device/stage.sh" "$dir" >/dev/null
lib="$root/packages/nvenc-software-device/build/lib/libnvidia-encode.so.1"
[[ -f $lib ]] || { echo "build the software device first (bash scripts/bootstrap.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/libs"
for dep in $(ldd "$lib" | awk '$3 ~ /^\// {print $3}'); do
  case $(basename "$dep") in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libgcc_s.so.*|libstdc++.so.*) continue ;;
  esac
  cp -L "$dep" "$work/libs/"
done
gcc -shared -fPIC -o "$work/libs/libicudata.so.72" -Wl,-soname,libicudata.so.72 "$root/scripts/device/stubs/icudata.c"
gcc -shared -fPIC -o "$work/libs/libcodec2.so.1.0" -Wl,-soname,libcodec2.so.1.0 "$root/scripts/device/stubs/codec2.c"
tar -C "$work/libs" -cf - . | xz -T0 -6 > "$dir/softdevice-runtime.tar.xz"
du -sh "$dir"/*
