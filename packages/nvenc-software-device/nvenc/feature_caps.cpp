// The optional features the device reports (nvEncGetEncodeCaps) and honours: one table.
#include "core.hpp"

namespace nvsoft {

bool encoderAvailable(Codec c) { return libavHasEncoder(c); }

bool capDenied(const char* name) {
  // NVENC_SOFT_CAPS_DENY=SUPPORT_INTRA_REFRESH,SUPPORT_LOOKAHEAD,...: those caps read 0 and the
  // features they gate are refused, like a GPU without them (for clients' capability tests).
  std::string list = "," + envStr("NVENC_SOFT_CAPS_DENY", "") + ",";
  return list.find("," + std::string(name) + ",") != std::string::npos;
}

FeatureCaps featureCaps(Codec c) {
  bool avc = c == Codec::H264, hevc = c == Codec::HEVC, av1 = c == Codec::AV1;
  FeatureCaps f{};
  // What the libav engine honours (README "Encoder controls"); AV1 (SVT-AV1) honours none.
  f.intraRefresh = (avc || hevc) && !capDenied("SUPPORT_INTRA_REFRESH");
  f.refPicInvalidation = !capDenied("SUPPORT_REF_PIC_INVALIDATION");
  f.lookahead = (avc || hevc) && !capDenied("SUPPORT_LOOKAHEAD");
  f.temporalAQ = (avc || hevc) && !capDenied("SUPPORT_TEMPORAL_AQ");
  f.weightedPrediction = (avc || hevc) && !capDenied("SUPPORT_WEIGHTED_PREDICTION");
  f.bframeRefMode = (avc || hevc) && !capDenied("SUPPORT_BFRAME_REF_MODE") ? 2 : 0;  // 2 = middle B-frame only
  f.emphasisLevelMap = 0;  // NVENC's emphasis levels have no documented QP mapping to emulate
  f.dynamicSliceMode = avc && !capDenied("SUPPORT_DYNAMIC_SLICE_MODE");  // byte-limited slices (x264 slice-max-size)
  f.ltrFrames = 0;
  f.multipleRefFrames = !av1 && !capDenied("SUPPORT_MULTIPLE_REF_FRAMES");
  f.customVbv = 1;
  return f;
}

}  // namespace nvsoft
