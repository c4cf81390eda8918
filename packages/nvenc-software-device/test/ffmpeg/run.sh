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

# 6. encoder controls (issue 11): each FFmpeg 5.1 option visibly honoured in the stream, and
#    decoded at PSNR >= 35 dB. Lean: 640x360, CTL_FRAMES (60) frames each.
CTL_FRAMES="${CTL_FRAMES:-60}"
CSRC="testsrc2=size=640x360:rate=25"
ctl_encode() {  # name codec args... -> exit status; output $WORK/ctl-name.mkv
  local name="$1" codec="$2"; shift 2
  ff -hide_banner -nostdin -y -f lavfi -i "$CSRC" -frames:v "$CTL_FRAMES" -c:v "$codec" "$@" "$WORK/ctl-$name.mkv" >"$WORK/ctl-$name.log" 2>&1
}
ctl_psnr() {
  ff -hide_banner -nostdin -i "$1" -f lavfi -i "$CSRC" -lavfi "[0:v][1:v]psnr" -frames:v "$CTL_FRAMES" -f null - 2>&1 |
    sed -n 's/.*PSNR.*average:\([0-9.inf]*\).*/\1/p' | tail -1
}
trace() { ff -hide_banner -nostdin -i "$1" -c:v copy -bsf:v trace_headers -f null - 2>&1; }
encoder_settings() { strings -n 20 "$1" | grep -a -m1 -o 'x26[45] .*'; }  # x264/x265 settings SEI
ctl_check() {  # label name codec "evidence" ok(0/1) args...: encode, then pass when ok and PSNR >= 35
  local label="$1" name="$2" codec="$3"; shift 3
  if ! ctl_encode "$name" "$codec" "$@"; then fail "$label: ffmpeg exit ($(grep -m1 -i 'failed' "$WORK/ctl-$name.log"))"; return 1; fi
  return 0
}
ctl_verdict() {  # label file ok evidence
  local p; p="$(ctl_psnr "$2")"
  if [ "$3" = 1 ] && ge "$p" 35; then pass "$1: $4, PSNR $p dB"; else fail "$1: $4, PSNR $p"; fi
}
for codec in h264_nvenc hevc_nvenc; do
  c="${codec%_nvenc}"
  # intra refresh: one IDR (the first picture), a recovery point SEI at each later wave start
  if ctl_check "$c -intra-refresh 1" "ir-$c" "$codec" -intra-refresh 1 -g 20 -bf 0; then
    t="$(trace "$WORK/ctl-ir-$c.mkv")"
    if [ "$c" = h264 ]; then idr="$(grep -c ' nal_unit_type .* = 5$' <<<"$t")"; else idr="$(grep -cE ' nal_unit_type .* = (19|20)$' <<<"$t")"; fi
    rp="$(grep -c ' last_payload_type_byte .* = 6$' <<<"$t")"
    want=$(( (CTL_FRAMES - 1) / 20 ))
    ctl_verdict "$c -intra-refresh 1 -g 20" "$WORK/ctl-ir-$c.mkv" "$([ "$idr" = 1 ] && [ "$rp" -ge "$want" ] && echo 1)" "$idr IDR, $rp recovery point SEI"
  fi
  # slices: every picture has 4 slices
  if ctl_check "$c -slices 4" "sl-$c" "$codec" -slices 4; then
    t="$(trace "$WORK/ctl-sl-$c.mkv")"
    if [ "$c" = h264 ]; then n="$(grep -c ' first_mb_in_slice ' <<<"$t")"; pics="$(grep -c ' first_mb_in_slice .* = 0$' <<<"$t")"
    else n="$(grep -c ' first_slice_segment_in_pic_flag ' <<<"$t")"; pics="$(grep -c ' first_slice_segment_in_pic_flag .* = 1$' <<<"$t")"; fi
    ctl_verdict "$c -slices 4" "$WORK/ctl-sl-$c.mkv" "$([ "$pics" = "$CTL_FRAMES" ] && [ "$n" = $((4 * CTL_FRAMES)) ] && echo 1)" "$n slices in $pics pictures"
  fi
  # spatial AQ: the encoder's settings SEI says variance AQ at strength 8/8 = 1.0
  if ctl_check "$c -spatial-aq 1" "aq-$c" "$codec" -spatial-aq 1 -aq-strength 8; then
    e="$(encoder_settings "$WORK/ctl-aq-$c.mkv" | grep -o -E 'aq=1:1.00|aq-mode=1 aq-strength=1.00')"
    ctl_verdict "$c -spatial-aq 1 -aq-strength 8" "$WORK/ctl-aq-$c.mkv" "$([ -n "$e" ] && echo 1)" "encoder settings '$e'"
  fi
  # temporal AQ: x264 macroblock tree / x265 CU tree (needs the lookahead it works on)
  if ctl_check "$c -temporal-aq 1" "taq-$c" "$codec" -temporal-aq 1 -rc-lookahead 8 -no-scenecut 1 -b_adapt 0; then
    e="$(encoder_settings "$WORK/ctl-taq-$c.mkv" | grep -o -E 'mbtree=1| cutree ')"
    ctl_verdict "$c -temporal-aq 1 -rc-lookahead 8" "$WORK/ctl-taq-$c.mkv" "$([ -n "$e" ] && echo 1)" "encoder settings '$(echo $e)'"
  fi
  # lookahead: rate-control lookahead of 16 pictures
  if ctl_check "$c -rc-lookahead 16" "la-$c" "$codec" -rc-lookahead 16 -no-scenecut 1 -b_adapt 0 -rc cbr -b:v 2M; then
    e="$(encoder_settings "$WORK/ctl-la-$c.mkv" | grep -o -E 'rc_lookahead=16|rc-lookahead=16')"
    ctl_verdict "$c -rc-lookahead 16" "$WORK/ctl-la-$c.mkv" "$([ -n "$e" ] && echo 1)" "encoder settings '$e'"
  fi
  # multipass: emulated by one slower speed preset (more analysis), visible in the settings
  if ctl_check "$c default" "mp0-$c" "$codec" && ctl_check "$c -multipass qres" "mp-$c" "$codec" -multipass qres; then
    d="$(diff <(encoder_settings "$WORK/ctl-mp0-$c.mkv" | tr ' ' '\n' | grep '=') <(encoder_settings "$WORK/ctl-mp-$c.mkv" | tr ' ' '\n' | grep '=') | grep '^>' | head -3 | tr -d '>\n')"
    ctl_verdict "$c -multipass qres" "$WORK/ctl-mp-$c.mkv" "$([ -n "$d" ] && echo 1)" "settings changed:$d"
  fi
  # weighted prediction: PPS weighted_pred_flag = 1 (no B-frames, as NVENC requires)
  if ctl_check "$c -weighted_pred 1" "wp-$c" "$codec" -weighted_pred 1 -bf 0; then
    w="$(trace "$WORK/ctl-wp-$c.mkv" | grep -m1 ' weighted_pred_flag ' | awk '{print $NF}')"
    ctl_verdict "$c -weighted_pred 1" "$WORK/ctl-wp-$c.mkv" "$([ "$w" = 1 ] && echo 1)" "PPS weighted_pred_flag $w"
  fi
  # B-frames as references (middle): some B pictures are references (H.264 nal_ref_idc > 0,
  # HEVC TRAIL_R), none without the option
  for mode in disabled middle; do
    ctl_check "$c -b_ref_mode $mode" "br-$mode-$c" "$codec" -bf 2 -b_ref_mode "$mode" || continue
    if [ "$c" = h264 ]; then
      refb="$(trace "$WORK/ctl-br-$mode-$c.mkv" | awk '/ nal_ref_idc /{r=$NF} / slice_type /{if ($NF % 5 == 1 && r > 0) n++} END{print n+0}')"
    else
      refb="$(trace "$WORK/ctl-br-$mode-$c.mkv" | awk '/ nal_unit_type /{t=$NF} / slice_type /{if ($NF == 0 && t == 1) n++} END{print n+0}')"
    fi
    if [ "$mode" = middle ]; then ok="$([ "$refb" -gt 0 ] && echo 1)"; else ok="$([ "$refb" = 0 ] && echo 1)"; fi
    ctl_verdict "$c -bf 2 -b_ref_mode $mode" "$WORK/ctl-br-$mode-$c.mkv" "$ok" "$refb reference B slices"
  done
done
# refusals: what the device cannot honour fails at initialization, never silently ignored
neg "lookahead with scene-cut I-frames refused" "set disableIadapt = 1" -f lavfi -i "$CSRC" -frames:v 2 -c:v h264_nvenc -rc-lookahead 16
neg "weighted prediction with B-frames refused" "not supported with B-frames" -f lavfi -i "$CSRC" -frames:v 2 -c:v h264_nvenc -weighted_pred 1 -bf 2
neg "each B-frame as reference refused (caps say middle only)" "Each B frame as reference is not supported\|only NV_ENC_BFRAME_REF_MODE_MIDDLE" -v verbose -f lavfi -i "$CSRC" -frames:v 2 -c:v h264_nvenc -b_ref_mode each
NVENC_SOFT_CAPS_DENY=SUPPORT_INTRA_REFRESH neg "caps deny (NVENC_SOFT_CAPS_DENY=SUPPORT_INTRA_REFRESH)" "unsupported param\|not supported" -f lavfi -i "$CSRC" -frames:v 2 -c:v h264_nvenc -intra-refresh 1 -bf 0
NVENC_SOFT_CAPS_DENY=SUPPORT_LOOKAHEAD neg "caps deny: FFmpeg's own caps check" "RC lookahead not supported\|Provided device doesn't support\|No capable devices found\|No NVENC capable devices found" -v verbose -f lavfi -i "$CSRC" -frames:v 2 -c:v h264_nvenc -rc-lookahead 8 -no-scenecut 1 -b_adapt 0

echo
echo "==== ffmpeg proof summary ($FRAMES frames ${SIZE}@${RATE}, software encoders, not hardware) ===="
printf '%s\n' "${SUMMARY[@]}"
exit $FAIL
