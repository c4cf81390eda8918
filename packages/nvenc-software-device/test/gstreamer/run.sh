#!/usr/bin/env bash
# GStreamer 1.22's nvcodec plugin (Debian gstreamer1.0-plugins-bad) as an NVENC client of the
# software device: the plugin registers its elements with the device's capabilities, encodes
# H.264/HEVC from system memory and through cudaupload (CUDA memory), and the element properties
# that map to NVENC settings are checked in the produced streams (FFmpeg's trace_headers and
# decoder). Results are software-encoder results, never NVENC hardware results.
# usage: run.sh <directory holding the software libcuda.so.1 and libnvidia-encode.so.1>
set -u
libdir=$(cd "${1:?usage: run.sh <libdir>}" && pwd)
for tool in gst-launch-1.0 gst-inspect-1.0 ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool not found (scripts/bootstrap.sh installs gstreamer1.0-tools, -plugins-base/-good/-bad and ffmpeg)"; echo "0 passed, 1 failed"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# A private registry: GStreamer caches a plugin that failed to load (no GPU) and would not retry.
export GST_REGISTRY="$work/registry.bin" XDG_RUNTIME_DIR="$work" GST_DEBUG="${GST_DEBUG:-0}"
pass=0 fail=0
check() {  # check NAME CONDITION-EXIT-STATUS [DETAIL]
  if [ "$2" -eq 0 ]; then echo "PASS $1${3:+ ($3)}"; pass=$((pass + 1)); else echo "FAIL $1${3:+ ($3)}"; fail=$((fail + 1)); fi
}
W=320 H=240 N=120
RAW="video/x-raw,format=I420,width=$W,height=$H,framerate=30/1"

# ---- GStreamer's CUDA loader: every cu* name it loads is exported ----
gstcuda=$(ldconfig -p | sed -n 's/.*libgstcuda-1.0.so.0 .*=> //p' | head -1)
want=$(strings "${gstcuda:-/dev/null}" | grep -E '^cu[A-Z][A-Za-z0-9_]+$' | sort -u)
have=$(nm -D --defined-only "$libdir/libcuda.so.1" | awk '{ print $3 }')
missing=$(for s in $want; do printf '%s\n' "$have" | grep -qx "$s" || printf '%s ' "$s"; done)
[ -n "$want" ] && [ -z "$missing" ]
check "libgstcuda-1.0's CUDA loader: all $(echo $want | wc -w) symbols exported" $? "${missing:+missing: $missing}"

# ---- gst-inspect: the elements exist and carry the device's capabilities ----
gst-inspect-1.0 nvh264enc >"$work/h264.txt" 2>&1
grep -q 'video/x-h264' "$work/h264.txt" && grep -q 'memory:CUDAMemory' "$work/h264.txt" && grep -q 'NV12' "$work/h264.txt"
check "gst-inspect nvh264enc: registered, sink NV12 + CUDAMemory, src video/x-h264" $?
grep -q 'width: \[ 16, 4096 \]' "$work/h264.txt"
check "gst-inspect nvh264enc: size range 16..4096 (NV_ENC_CAPS_WIDTH_MIN/MAX)" $?
gst-inspect-1.0 nvh265enc >"$work/h265.txt" 2>&1
grep -q 'video/x-h265' "$work/h265.txt" && grep -q 'P010_10LE' "$work/h265.txt" && grep -q 'main-10' "$work/h265.txt"
check "gst-inspect nvh265enc: registered, 10-bit input and main-10 profile" $?
gst-inspect-1.0 nvcodec 2>&1 | grep -q 'cudaupload' && gst-inspect-1.0 nvcodec 2>&1 | grep -q 'nvcudah264enc'
check "gst-inspect nvcodec: cudaupload and nvcudah264enc present" $?

# ---- encode, decode, PSNR against the source ----
gst-launch-1.0 -q videotestsrc num-buffers=$N pattern=ball ! "$RAW" ! filesink location="$work/ref.yuv" >/dev/null 2>&1
psnr() {  # psnr FILE -> average PSNR of all planes against ref.yuv
  ffmpeg -hide_banner -nostats -i "$1" -f rawvideo -pix_fmt yuv420p -s ${W}x${H} -r 30 -i "$work/ref.yuv" \
    -lavfi "[0:v]format=yuv420p[a];[a][1:v]psnr" -f null - 2>&1 | sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | tail -1
}
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
encode_mp4() {  # encode_mp4 NAME "ELEMENTS" PARSER
  gst-launch-1.0 -q videotestsrc num-buffers=$N pattern=ball ! "$RAW" ! $2 ! $3 ! mp4mux ! filesink location="$work/$1.mp4" \
    >"$work/$1.log" 2>&1
}
for row in "nvh264enc|nvh264enc|h264parse|h264" "nvh265enc|nvh265enc|h265parse|hevc" \
           "cudaupload ! nvh264enc|cudaupload ! nvh264enc|h264parse|h264" \
           "nvcudah264enc|videoconvert ! video/x-raw,format=NV12 ! nvcudah264enc|h264parse|h264"; do
  IFS='|' read -r name elements parser codec <<<"$row"
  file=$(echo "$name" | tr -c 'a-z0-9\n' '_')
  t0=$(date +%s%N)
  encode_mp4 "$file" "$elements" "$parser"
  rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  check "$name: gst-launch $N frames ${W}x${H} -> mp4" $rc "$ms ms"
  [ $rc -eq 0 ] || { sed -n 1,5p "$work/$file.log"; continue; }
  got=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$work/$file.mp4")
  n=$(frames "$work/$file.mp4")
  [ "$got" = "$codec" ] && [ "$n" = "$N" ]
  check "$name: $codec stream with $N frames" $? "codec $got, $n frames"
  p=$(psnr "$work/$file.mp4")
  awk -v p="$p" 'BEGIN { exit !(p == "inf" || p + 0 >= 35) }'
  check "$name: PSNR >= 35 dB against videotestsrc" $? "${p:-none} dB"
done

# ---- caps left to negotiation: videotestsrc offers its richest format first ----
# nvh264enc takes VUYA (NV_ENC_BUFFER_FORMAT_AYUV, 4:4:4), nvh265enc a 10-bit RGB format
# (NV_ENC_BUFFER_FORMAT_ABGR10 / ARGB10).
for row in "nvh264enc|h264parse|yuv444p" "nvh265enc|h265parse|yuv"; do
  IFS="|" read -r enc parser pix <<<"$row"
  gst-launch-1.0 -v videotestsrc num-buffers=30 pattern=ball ! video/x-raw,width=$W,height=$H ! $enc ! $parser ! mp4mux ! \
    filesink location="$work/neg-$enc.mp4" >"$work/neg-$enc.log" 2>&1
  rc=$?
  got=$(sed -n 's/.*videotestsrc0.GstPad:src: caps = video\/x-raw, format=(string)\([A-Za-z0-9_]*\).*/\1/p' "$work/neg-$enc.log" | head -1)
  n=$(frames "$work/neg-$enc.mp4" 2>/dev/null); e=$(ffmpeg -v error -i "$work/neg-$enc.mp4" -f null - 2>&1 | wc -l)
  pf=$(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$work/neg-$enc.mp4" 2>/dev/null)
  [ $rc -eq 0 ] && [ "$n" = 30 ] && [ "$e" = 0 ] && case "$pf" in "$pix"*) true ;; *) false ;; esac
  check "$enc with negotiated caps: 30 frames decode without errors" $? "input $got, output $pf"
done

# ---- properties that map to NVENC settings, checked in the stream ----
es() {  # es FILE "ELEMENTS" [PATTERN] [FRAMES] [PARSER] [CAPS]: encode to an Annex B elementary stream
  gst-launch-1.0 -q videotestsrc num-buffers=${4:-30} pattern=${3:-ball} ! "$RAW" ! $2 ! ${5:-h264parse} ! \
    "${6:-video/x-h264,stream-format=byte-stream}" ! filesink location="$work/$1" >"$work/$1.log" 2>&1
}
trace() { ffmpeg -hide_banner -nostats -i "$work/$1" -c copy -bsf:v trace_headers -f null - 2>&1; }
count() { trace "$1" | grep -c "$2"; }
keyframes() { ffprobe -v error -show_packets -show_entries packet=flags -of csv=p=0 "$work/$1" | grep -n '^K' | cut -d: -f1 | tr '\n' ' '; }
decode_errors() { ffmpeg -v error -i "$work/$1" -f null - 2>&1 | wc -l; }

es gop10.h264 "nvh264enc gop-size=10"
k=$(keyframes gop10.h264)
[ "$k" = "1 11 21 " ]
check "nvh264enc gop-size=10: key frames at 0, 10, 20" $? "frames $k(1-based)"

# Straight from the encoder: h264parse would insert AUDs of its own.
es aud1.h264 "nvh264enc aud=true" ball 30 identity video/x-h264; es aud0.h264 "nvh264enc aud=false" ball 30 identity video/x-h264
a1=$(count aud1.h264 'nal_unit_type .* = 9$'); a0=$(count aud0.h264 'nal_unit_type .* = 9$')
[ "$a1" = 30 ] && [ "$a0" = 0 ]
check "nvh264enc aud: AUD NAL units with aud=true, none with aud=false" $? "$a1 / $a0"

es zl.h264 "nvh264enc zerolatency=true"
trace zl.h264 | grep -q 'max_num_reorder_frames .* = 0$'
check "nvh264enc zerolatency=true: SPS VUI max_num_reorder_frames = 0" $?

es cqp.h264 "nvh264enc rc-mode=constqp qp-const=30 gop-size=10"
qps=$(trace cqp.h264 | awk '/pic_init_qp_minus26/ { init = $NF } /slice_qp_delta/ { print 26 + init + $NF }' | sort -u | tr '\n' ' ')
[ "$qps" = "30 " ]
check "nvh264enc rc-mode=constqp qp-const=30: every slice QP 30" $? "slice QPs: $qps"

es cbr200.h264 "nvh264enc rc-mode=cbr bitrate=200" snow 120; es cbr1000.h264 "nvh264enc rc-mode=cbr bitrate=1000" snow 120
k1=$(( $(stat -c %s "$work/cbr200.h264") * 8 / 4 / 1000 )); k2=$(( $(stat -c %s "$work/cbr1000.h264") * 8 / 4 / 1000 ))
[ "$k1" -ge 140 ] && [ "$k1" -le 260 ] && [ "$k2" -ge 700 ] && [ "$k2" -le 1300 ]
check "nvh264enc rc-mode=cbr bitrate=200/1000: measured within 30 % over 4 s of noise" $? "$k1 / $k2 kbit/s"

es hp.h264 "nvh264enc preset=hp"; es hq.h264 "nvh264enc preset=hq"
s1=$(strings "$work/hp.h264" | grep -o 'subme=[0-9]*' | head -1); s2=$(strings "$work/hq.h264" | grep -o 'subme=[0-9]*' | head -1)
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ]
check "nvh264enc preset=hp vs hq: different encoder effort (libx264 SEI)" $? "$s1 vs $s2"

es rsh1.h264 "videoconvert ! video/x-raw,format=NV12 ! nvcudah264enc repeat-sequence-header=true gop-size=10"
es rsh0.h264 "videoconvert ! video/x-raw,format=NV12 ! nvcudah264enc repeat-sequence-header=false gop-size=10"
r1=$(count rsh1.h264 'Sequence Parameter Set'); r0=$(count rsh0.h264 'Sequence Parameter Set')
[ "$r1" -ge 3 ] && [ "$r0" -lt "$r1" ]
check "nvcudah264enc repeat-sequence-header: SPS at every IDR only when true" $? "$r1 SPS vs $r0 SPS, 3 IDRs"

# B-frames: GStreamer locks every picture as soon as nvEncEncodePicture returns NV_ENC_SUCCESS,
# which the reordering libx264 engine cannot serve; the device then continues without B-frames
# (package README, "What it cannot emulate"). The stream must stay valid.
es bf.h264 "nvh264enc bframes=2 gop-size=10"
e=$(decode_errors bf.h264); n=$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$work/bf.h264")
[ "$e" = 0 ] && [ "$n" = 30 ]
check "nvh264enc bframes=2: stream decodes without errors" $? "$n frames, $e decoder messages"

es hevc_gop.h265 "nvh265enc gop-size=10 aud=true" ball 30 identity video/x-h265
k=$(keyframes hevc_gop.h265); a=$(count hevc_gop.h265 'nal_unit_type .* = 35$')
[ "$k" = "1 11 21 " ] && [ "$a" = 30 ]
check "nvh265enc gop-size=10 aud=true: key frames at 0, 10, 20 and an AUD per picture" $? "frames $k, $a AUDs"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
