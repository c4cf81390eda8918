#!/usr/bin/env bash
# Opt-in proof with FFmpeg 7.1 from Debian trixie (nv-codec-headers 12.1: an NVENC API 12.1
# client) on a Debian 12 machine, without touching the system: trixie's ffmpeg, its libraries
# and trixie's own dynamic loader are unpacked into a private root and the binary runs through
# that loader. The packages come from the mirror the system's apt already uses, through a private
# apt state (no registry host is named here).
#
#   test/ffmpeg-trixie/run.sh [build/lib]
#   NVSOFT_TRIXIE_ROOT   where the root is kept between runs (default ~/.cache/nvenc-ts/trixie-ffmpeg)
#
# Not part of the CI run: the first run downloads about 36 MB of packages (ffmpeg, libav*,
# libc6, libstdc++6 and every library whose soname or symbol versions bookworm lacks) and the
# root takes about 120 MB; later runs reuse it (about 30 s on 2 cores). Results are software-encoder
# results, never NVENC hardware results.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
LIB="$(cd "${1:-$HERE/../../build/lib}" && pwd)"
ROOT="${NVSOFT_TRIXIE_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/nvenc-ts/trixie-ffmpeg}"
SUITE=trixie
mkdir -p "$ROOT/apt/lists/partial" "$ROOT/apt/cache/archives/partial" "$ROOT/debs" "$ROOT/fs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ---- the private root ----
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "FAIL no Debian mirror found in the system's apt configuration"; exit 2; }
echo "deb $mirror $SUITE main" >"$ROOT/apt/sources.list"
APT=(-o Dir::Etc::SourceList="$ROOT/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$ROOT/apt/lists" -o Dir::Cache="$ROOT/apt/cache" -o Dir::State::status=/dev/null
     -o APT::Get::List-Cleanup=false -o APT::Sandbox::User=root -qq)
[ -n "$(ls "$ROOT/apt/lists" 2>/dev/null | grep Packages)" ] || apt-get "${APT[@]}" update || { echo "FAIL apt-get update ($SUITE)"; exit 2; }

fetch() {  # fetch PACKAGE...: download (once) and unpack into the root
  local p
  for p in "$@"; do
    [ -e "$ROOT/debs/$p.done" ] && continue
    (cd "$ROOT/debs" && apt-get "${APT[@]}" download "$p") || return 1
    dpkg-deb -x "$(ls -t "$ROOT"/debs/"${p}"_*.deb | head -1)" "$ROOT/fs" && touch "$ROOT/debs/$p.done"
  done
}
# A library's package name from its soname: libfoo.so.3 -> libfoo3 / libfoo-3, with trixie's
# 64-bit time_t rename (t64) tried too.
# Otherwise: a direct dependency of a package already unpacked whose name contains the soname's
# stem (libsrt-gnutls.so.1.5 -> libsrt1.5-gnutls, libOpenCL.so.1 -> ocl-icd-libopencl1).
package_for() {
  local base=${1%%.so*} full=${1##*.so.} c stem
  local major=${full%%.*} lower
  lower=$(echo "$base" | tr 'A-Z_' 'a-z-')
  for c in "$lower$major" "$lower-$major" "${lower}${major}t64" "$lower-${major}t64" "$lower-$full" "$lower$full" "$lower-${full}t64"; do
    apt-cache "${APT[@]}" show "$c" 2>/dev/null | grep -q '^Package:' && [ ! -e "$ROOT/debs/$c.done" ] && { echo "$c"; return 0; }
  done
  stem=$(echo "${lower%%-*}" | tr -d '.')
  for c in $(ls "$ROOT/debs" | sed -n 's/\.done$//p' | xargs apt-cache "${APT[@]}" depends --no-recommends --no-suggests 2>/dev/null |
             sed -n 's/^ *Depends: \([^ <]*\).*/\1/p' | sort -u); do
    [ -e "$ROOT/debs/$c.done" ] && continue
    case "$(echo "$c" | tr -d '.')" in *"$stem"*) echo "$c"; return 0 ;; esac
  done
  return 1
}
fetch ffmpeg libavcodec61 libavformat61 libavutil59 libavfilter10 libavdevice61 libswscale8 libswresample5 \
      libpostproc58 libc6 libstdc++6 libgcc-s1 || { echo "FAIL downloading trixie's ffmpeg"; exit 2; }
LOADER="$ROOT/fs/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -x "$LOADER" ] || LOADER="$ROOT/fs/lib64/ld-linux-x86-64.so.2"
LIBPATH="$ROOT/fs/usr/lib/x86_64-linux-gnu:$ROOT/fs/lib/x86_64-linux-gnu"
tffmpeg() { timeout -k 5 300 "$LOADER" --library-path "$LIBPATH:$LIB" "$ROOT/fs/usr/bin/ffmpeg" "$@"; }  # a hang fails
# Libraries the host lacks (soname not found) or has too old (symbol version not found): fetch
# the trixie package and try again.
for round in $(seq 1 80); do
  out=$("$LOADER" --library-path "$LIBPATH" --list "$ROOT/fs/usr/bin/ffmpeg" 2>&1; tffmpeg -hide_banner -version 2>&1 | head -3)
  need=$( (printf '%s\n' "$out" | sed -n 's/^\s*\(lib[^ ]*\.so[^ ]*\) => not found.*/\1/p'
           printf '%s\n' "$out" | sed -n 's/.*error while loading shared libraries: \([^:]*\): cannot open.*/\1/p'
           printf '%s\n' "$out" | sed -n 's/.*: \(\/[^:]*\): version .* not found.*/\1/p' | xargs -r -n1 basename) | sort -u)
  # "undefined symbol" in a trixie library: a host library it links is too old; take trixie's for
  # each of its dependencies that still resolves outside the root.
  bad=$(printf '%s\n' "$out" | sed -n 's/.*symbol lookup error: \([^:]*\): undefined symbol.*/\1/p' | head -1)
  if [ -n "$bad" ]; then
    need="$need $("$LOADER" --library-path "$LIBPATH" --list "$bad" 2>/dev/null | awk -v r="$ROOT" '$2 == "=>" && index($3, r) != 1 && $1 !~ /^(libc|libm|libdl|libpthread|librt|ld-linux)/ { print $1 }')"
  fi
  need=$(echo $need)
  [ -z "$need" ] && break
  for so in $need; do
    p=$(package_for "$so") || { echo "FAIL no trixie package found for $so"; exit 2; }
    echo "fetching $p for $so"
    fetch "$p" || { echo "FAIL downloading $p"; exit 2; }
  done
done
version=$(tffmpeg -hide_banner -version 2>&1 | head -1)
case "$version" in
  "ffmpeg version 7."*) echo "trixie ffmpeg: $version" ;;
  *) echo "FAIL trixie's ffmpeg does not run: $version"; exit 1 ;;
esac

# ---- the proof ----
pass=0 fail=0
check() { if [ "$2" -eq 0 ]; then echo "PASS $1${3:+ ($3)}"; pass=$((pass + 1)); else echo "FAIL $1${3:+ ($3)}"; fail=$((fail + 1)); fi; }
SRC="testsrc2=size=640x360:rate=25"
N=60
psnr() { ffmpeg -hide_banner -nostdin -i "$1" -f lavfi -i "$SRC" -lavfi "[0:v][1:v]psnr" -frames:v $N -f null - 2>&1 |
           sed -n 's/.*PSNR.*average:\([0-9.inf]*\).*/\1/p' | tail -1; }
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
unset NVENC_SOFT_ENGINE NVENC_SOFT_FAULT NVENC_SOFT_MAX_SESSIONS
export NVENC_SOFT_MAX_API=12.1

# No av1_nvenc here: trixie's libavcodec61 loads SVT-AV1 2.3 (libSvtAv1Enc.so.2), whose
# unversioned symbols take precedence over the SVT-AV1 1.4 the device's libavcodec59 was built
# for, so the device's AV1 engine cannot work inside this process (package README).
for row in "h264_nvenc|-pix_fmt yuv420p|h264" "hevc_nvenc|-pix_fmt yuv420p|hevc" \
           "h264_nvenc (CUDA hwupload)|-init_hw_device cuda=cu:0 -filter_hw_device cu -vf format=nv12,hwupload|h264" \
           "hevc_nvenc (CUDA hwupload)|-init_hw_device cuda=cu:0 -filter_hw_device cu -vf format=nv12,hwupload|hevc"; do
  IFS='|' read -r name opts codec <<<"$row"
  enc=${name%% *}
  out="$WORK/${enc}_$pass$fail.mkv"
  # shellcheck disable=SC2086
  tffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i "$SRC" -frames:v $N $opts -c:v "$enc" -preset p4 -b:v 2M -y "$out" \
    >"$WORK/log" 2>&1
  rc=$?
  check "trixie ffmpeg $name: encode $N frames 640x360" $rc "$(tail -c 300 "$WORK/log" | tr '\n' ' ')"
  [ $rc -eq 0 ] || continue
  n=$(frames "$out"); p=$(psnr "$out")
  [ "$n" = $N ] && awk -v p="$p" 'BEGIN { exit !(p == "inf" || p + 0 >= 35) }'
  check "trixie ffmpeg $name: $codec, $N frames, PSNR >= 35 dB" $? "$n frames, ${p:-none} dB"
done

# The API version it asks for: against a driver whose maximum is 11.1 it must refuse to open.
msg=$(NVENC_SOFT_MAX_API=11.1 tffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i "$SRC" -frames:v 2 -c:v h264_nvenc -f null - 2>&1)
printf '%s\n' "$msg" | grep -q 'Required: 12.1'
check "trixie ffmpeg asks for NVENC API 12.1 (refused by an 11.1 driver)" $? "$(printf '%s' "$msg" | grep -o 'Driver does not support.*' | head -1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
