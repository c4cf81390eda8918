#!/usr/bin/env bash
# Acceptance proof for the software NVENC device with a client we did not write:
# Debian's ffmpeg (h264_nvenc/hevc_nvenc, built against the NVENC 11.1 header) loads
# build/lib/libnvidia-encode.so.1 and build/lib/libcuda.so.1 through LD_LIBRARY_PATH.
#
#   test/ffmpeg/run.sh [build/lib]      (FRAMES=300 by default)
# Exit status 0 when every check passes. Results are software-encoder results, not hardware ones.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
PKG="$(cd "$HERE/../.." && pwd)"
LIB="${1:-$PKG/build/lib}"
LIB="$(cd "$LIB" && pwd)"
FRAMES="${FRAMES:-300}"
SIZE=1280x720
RATE=25
MIN_PSNR=30
WORK="$(mktemp -d /tmp/nvsoft-ffmpeg-proof.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
SRC="testsrc2=size=$SIZE:rate=$RATE"
export LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset NVENC_SOFT_ENGINE NVENC_SOFT_MAX_API NVENC_SOFT_FAULT NVENC_SOFT_MAX_SESSIONS

for f in libnvidia-encode.so.1 libcuda.so.1; do
  [ -e "$LIB/$f" ] || { echo "missing $LIB/$f (build the package first)"; exit 2; }
done
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { echo "ffmpeg/ffprobe not installed"; exit 2; }

FAIL=0
ff() { timeout -k 10 "${FFMPEG_TIMEOUT:-600}" ffmpeg "$@"; }  # a hang is a failure (exit 124)
SUMMARY=()
pass() { SUMMARY+=("PASS  $1"); echo "PASS  $1"; }
fail() { SUMMARY+=("FAIL  $1"); echo "FAIL  $1"; FAIL=1; }

psnr_of() {  # file -> average PSNR against the source (frame by frame, in source order)
  ff -hide_banner -nostdin -i "$1" -f lavfi -i "$SRC" -lavfi "[0:v][1:v]psnr" -frames:v "$FRAMES" -f null - 2>&1 |
    sed -n 's/.*PSNR.*average:\([0-9.inf]*\).*/\1/p' | tail -1
}
probe_frames() {  # file fields -> one csv line per decoded frame, display order (side-data lines dropped)
  ffprobe -v error -select_streams v:0 -show_entries "frame=$2" -of csv=p=1 "$1" | sed -n 's/^frame,//p' | sed 's/,side_data.*//'
}
frames_of() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && (a == "inf" || a + 0 >= b + 0)) }'; }

encode() {  # name codec input-args... -- output-args...
  local name="$1" codec="$2"; shift 2
  local out="$WORK/$name.mkv" log="$WORK/$name.log"
  local in=() outargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do in+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  outargs=("$@")
  ff -hide_banner -nostdin -y "${in[@]}" -f lavfi -i "$SRC" "${outargs[@]}" -frames:v "$FRAMES" -c:v "$codec" "$out" >"$log" 2>&1
  echo $?
}

check_quality() {  # name file
  local n f p
  n="$(frames_of "$2")"
  p="$(psnr_of "$2")"
  if [ "$n" = "$FRAMES" ] && ge "$p" "$MIN_PSNR"; then pass "$1: $n frames, PSNR $p dB"; else fail "$1: frames=$n PSNR=$p"; fi
}

echo "software NVENC device: $LIB"
echo "ffmpeg: $(ffmpeg -hide_banner -version | head -1)"

# 1. system-memory input and CUDA hwupload input, H.264 and HEVC
for codec in h264_nvenc hevc_nvenc; do
  rc=$(encode "sys-$codec" "$codec" --)
  [ "$rc" = 0 ] && check_quality "$codec system memory" "$WORK/sys-$codec.mkv" || { fail "$codec system memory: ffmpeg exit $rc"; tail -5 "$WORK/sys-$codec.log"; }
  rc=$(encode "cuda-$codec" "$codec" -init_hw_device cuda=cu -filter_hw_device cu -- -vf format=nv12,hwupload)
  [ "$rc" = 0 ] && check_quality "$codec CUDA hwupload" "$WORK/cuda-$codec.mkv" || { fail "$codec CUDA hwupload: ffmpeg exit $rc"; tail -5 "$WORK/cuda-$codec.log"; }
done

# 2. forced key frames land exactly where asked (IDR = key_frame 1 + pict_type I)
for codec in h264_nvenc hevc_nvenc; do
  rc=$(encode "kf-$codec" "$codec" -- -force_key_frames "expr:eq(n,0)+eq(n,50)+eq(n,100)" -forced-idr 1 -g 1000 -bf 0)
  if [ "$rc" != 0 ]; then fail "$codec forced key frames: ffmpeg exit $rc"; continue; fi
  keys="$(probe_frames "$WORK/kf-$codec.mkv" key_frame,pict_type |
          awk -F, '$1 == 1 { printf "%s%d%s", sep, NR - 1, ($2 == "I" ? "" : "(" $2 ")"); sep = "," }')"
  [ "$keys" = "0,50,100" ] && pass "$codec forced IDR frames at $keys" || fail "$codec forced IDR frames at $keys (want 0,50,100)"
done

# 3. B-frames: correct reorder (B pict types, display order intact: PSNR against the source)
for codec in h264_nvenc hevc_nvenc; do
  rc=$(encode "bf-$codec" "$codec" -- -bf 2 -g 1000 -force_key_frames "expr:eq(n,0)+eq(n,150)" -forced-idr 1)
  if [ "$rc" != 0 ]; then fail "$codec -bf 2: ffmpeg exit $rc"; continue; fi
  types="$(probe_frames "$WORK/bf-$codec.mkv" pict_type | tr -d '\n ,')"
  nb="$(printf '%s' "$types" | tr -cd B | wc -c)"
  keys="$(probe_frames "$WORK/bf-$codec.mkv" key_frame | awk -F, '$1 == 1 { printf "%s%d", sep, NR - 1; sep = "," }')"
  p="$(psnr_of "$WORK/bf-$codec.mkv")"
  if [ "$nb" -gt 0 ] && ge "$p" "$MIN_PSNR" && [ "$keys" = "0,150" ]; then
    pass "$codec -bf 2: ${types:0:16}... ($nb B-frames), IDR at $keys, PSNR $p dB"
  else
    fail "$codec -bf 2: types ${types:0:16} B=$nb keys=$keys PSNR=$p"
  fi
done

# 4. invalid requests fail like a driver would, with an ordinary exit status
neg() {  # label expected-message ffmpeg-args...
  local label="$1" want="$2"; shift 2
  ff -hide_banner -nostdin -y "$@" -f null - >"$WORK/neg.log" 2>&1
  local rc=$?
  if [ "$rc" -ge 1 ] && [ "$rc" -lt 124 ] && grep -q "$want" "$WORK/neg.log"; then
    pass "$label: exit $rc, \"$(grep -m1 "$want" "$WORK/neg.log" | sed 's/^\[[^]]*\] //')\""
  else
    fail "$label: exit $rc, expected \"$want\""; tail -3 "$WORK/neg.log"
  fi
}
neg "8192x8192 beyond WIDTH_MAX" "exceeds 4096" -f lavfi -i testsrc2=size=8192x8192:rate=25 -frames:v 2 -c:v h264_nvenc
neg "HEVC 8192x8192" "exceeds 4096" -f lavfi -i testsrc2=size=8192x8192:rate=25 -frames:v 2 -c:v hevc_nvenc
neg "unknown preset" "preset" -f lavfi -i "$SRC" -frames:v 2 -c:v h264_nvenc -preset nosuchpreset
neg "too many B-frames" "exceed 4" -f lavfi -i "$SRC" -frames:v 2 -c:v h264_nvenc -bf 7
NVENC_SOFT_MAX_API=11.0 neg "old driver (NVENC_SOFT_MAX_API=11.0)" "required nvenc API version" -f lavfi -i "$SRC" -frames:v 2 -c:v h264_nvenc
# two encoders in one process with a limit of one session: the second open fails like a capped GPU
ff -hide_banner -nostdin -y -f lavfi -i "$SRC" -frames:v 2 -map 0:v -c:v h264_nvenc -f null - -frames:v 2 -map 0:v -c:v h264_nvenc -f null - \
  >"$WORK/lim0.log" 2>&1 && pass "two concurrent sessions with the default limit (8)" || fail "two concurrent sessions with the default limit"
NVENC_SOFT_MAX_SESSIONS=1 neg "session limit (NVENC_SOFT_MAX_SESSIONS=1, 2nd session)" "OpenEncodeSessionEx failed: out of memory (10)" \
  -f lavfi -i "$SRC" -frames:v 2 -map 0:v -c:v h264_nvenc -f null - -frames:v 2 -map 0:v -c:v h264_nvenc
NVENC_SOFT_FAULT="encode@5=GENERIC" neg "fault injection (NVENC_SOFT_FAULT=encode@5=GENERIC)" "EncodePicture failed" -f lavfi -i "$SRC" -frames:v 20 -c:v h264_nvenc

# 5. null engine: tiny valid access units that decode without errors
rc=$(NVENC_SOFT_ENGINE=null encode "null-h264" h264_nvenc --)
if [ "$rc" = 0 ]; then
  errs="$(ff -hide_banner -nostdin -v error -i "$WORK/null-h264.mkv" -f null - 2>&1 | wc -l)"
  n="$(frames_of "$WORK/null-h264.mkv")"
  sz="$(stat -c %s "$WORK/null-h264.mkv")"
  [ "$errs" = 0 ] && [ "$n" = "$FRAMES" ] && pass "null engine H.264: $n frames, $sz bytes, decodes without errors" || fail "null engine H.264: frames=$n decode errors=$errs"
else
  fail "null engine H.264: ffmpeg exit $rc"
fi
rc=$(NVENC_SOFT_ENGINE=null encode "null-hevc" hevc_nvenc --)
if [ "$rc" = 0 ]; then
  errs="$(ff -hide_banner -nostdin -v error -i "$WORK/null-hevc.mkv" -f null - 2>&1 | wc -l)"
  n="$(frames_of "$WORK/null-hevc.mkv")"
  [ "$errs" = 0 ] && [ "$n" = "$FRAMES" ] && pass "null engine HEVC: $n frames, decodes without errors" || fail "null engine HEVC: frames=$n decode errors=$errs"
else
  fail "null engine HEVC: ffmpeg exit $rc"
fi

echo
echo "==== ffmpeg proof summary ($FRAMES frames ${SIZE}@${RATE}, software encoders, not hardware) ===="
printf '%s\n' "${SUMMARY[@]}"
exit $FAIL
