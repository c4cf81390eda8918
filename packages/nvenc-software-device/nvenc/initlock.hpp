// Working around libavcodec's global init lock.
//
// avcodec_open2() of an encoder without FF_CODEC_CAP_INIT_THREADSAFE takes a process-wide,
// non-recursive mutex. FFmpeg's own hevc_nvenc/h264_nvenc are such encoders: they call into this
// library (nvEncInitializeEncoder, nvEncGetSequenceParams) while holding the lock, so opening
// libx265/libsvtav1 (also not init-thread-safe) from inside those calls would deadlock.
// When that is the case the engine opens its encoder at the first frame instead, and parameter
// sets needed earlier are produced by a helper process running the same engine code.
#pragma once
#include <string>
#include <vector>

#include "core.hpp"

namespace nvsoft {
bool codecInitTakesLock(Codec c);  // libavcodec encoder is not init-thread-safe
bool insideAvcodecOpen();          // a caller frame is avcodec_open2()
bool helperParamSets(const EncodeConfig& cfg, bool nullEngine, std::vector<uint8_t>& out, std::string& err);
}  // namespace nvsoft
