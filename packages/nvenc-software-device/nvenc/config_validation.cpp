// Checks an EncodeConfig against what the device and engine honour; refuses, never ignores.
#include "core.hpp"
#include "session_internal.hpp"

namespace nvsoft {

static Status validateControls(Session* s, const EncodeConfig& c) {
  // Every control the engine cannot honour is refused here, never accepted and ignored.
  FeatureCaps f = featureCaps(c.codec);
  const RcParams& rc = c.rc;
  bool bframes = c.frameIntervalP > 1;
  auto unsupported = [&](const std::string& m) { return s->fail(ST_UNSUPPORTED_PARAM, m); };
  if (c.intraRefresh) {
    if (!f.intraRefresh)
      return unsupported("intra refresh is not supported for this codec (NV_ENC_CAPS_SUPPORT_INTRA_REFRESH = 0)");
    if (bframes)
      return unsupported(
          "intra refresh with B-frames: NVENC ignores enableIntraRefresh when the GOP has B-frames; the software "
          "device refuses it (set frameIntervalP = 1)");
    if (c.intraRefreshPeriod == 0 || c.intraRefreshCnt == 0 || c.intraRefreshCnt >= c.intraRefreshPeriod)
      return s->fail(ST_INVALID_PARAM, "intra refresh needs 0 < intraRefreshCnt < intraRefreshPeriod (got cnt " +
                                           std::to_string(c.intraRefreshCnt) + ", period " +
                                           std::to_string(c.intraRefreshPeriod) + ")");
  }
  if (c.weightedPrediction) {
    if (!f.weightedPrediction)
      return unsupported(
          "weighted prediction is not supported for this codec (NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION = 0)");
    if (bframes)
      return unsupported("enableWeightedPrediction is not supported with B-frames (frameIntervalP > 1), as with NVENC");
  }
  if (c.bframeRefMode != 0) {
    if (f.bframeRefMode == 0)
      return unsupported("B-frames as references are not supported (NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE = 0)");
    if (c.bframeRefMode != 2)
      return unsupported(
          "useBFramesAsRef " + std::to_string(c.bframeRefMode) +
          ": only NV_ENC_BFRAME_REF_MODE_MIDDLE (2) is supported (NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE = 2)");
    if (c.frameIntervalP < 3)
      return unsupported("useBFramesAsRef = middle needs at least 2 B-frames (frameIntervalP >= 3)");
  }
  if (rc.enableLookahead) {
    if (!f.lookahead)
      return unsupported("lookahead is not supported for this codec (NV_ENC_CAPS_SUPPORT_LOOKAHEAD = 0)");
    if (rc.lookaheadDepth == 0 || rc.lookaheadDepth > 32)
      return s->fail(ST_INVALID_PARAM, "lookaheadDepth must be 1..32 with enableLookahead");
    if (!rc.disableIadapt)
      return unsupported(
          "lookahead with adaptive I-frames at scene cuts: the software device keeps the NVENC GOP pattern, set "
          "disableIadapt = 1");
    if (bframes && !rc.disableBadapt)
      return unsupported(
          "lookahead with adaptive B-frame decisions: the software device keeps the NVENC GOP pattern, set "
          "disableBadapt = 1");
  }
  if (rc.enableTemporalAQ) {
    if (!f.temporalAQ)
      return unsupported("temporal AQ is not supported for this codec (NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ = 0)");
    if (!rc.enableLookahead)
      return unsupported(
          "temporal AQ needs lookahead in the software device (x264/x265 macroblock tree works on lookahead frames): "
          "set enableLookahead and lookaheadDepth");
  }
  if (rc.enableAQ && c.codec == Codec::AV1)
    return unsupported("spatial AQ is not supported for AV1 by the software device");
  if (rc.aqStrength > 15) return s->fail(ST_INVALID_PARAM, "aqStrength must be 0 (auto) .. 15");
  if (rc.multiPass < 0 || rc.multiPass > 2)
    return s->fail(ST_INVALID_PARAM, "multiPass must be 0, 1 (quarter resolution) or 2 (full resolution)");
  switch (rc.qpMapMode) {
    case 0: break;
    case 1: return unsupported("emphasis level maps are not supported (NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP = 0)");
    case 2:
      if (c.codec != Codec::H264)
        return unsupported("QP delta maps are supported for H.264 only by the software device");
      // x264 drops per-macroblock offsets in constant-QP mode (it turns AQ off there).
      if (rc.mode == RC_CONSTQP || c.lossless)
        return unsupported(
            "QP delta maps with constant QP: the software device applies them through x264's rate control, use CBR or "
            "VBR");
      break;
    default:
      return unsupported("qpMapMode " + std::to_string(rc.qpMapMode) +
                         " is not supported (NV_ENC_QP_MAP is not supported by NVENC either)");
  }
  if (c.codec != Codec::AV1 && c.sliceModeData > 0) {
    switch (c.sliceMode) {
      case 3: break;
      case 1:
        if (!f.dynamicSliceMode)
          return unsupported(
              "byte-limited slices (sliceMode 1) are not supported for this codec "
              "(NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE = 0)");
        break;
      case 0:
      case 2:
        if (c.codec != Codec::H264)
          return unsupported(
              "HEVC slices by CTU count (sliceMode 0/2) are not supported by the software device; use sliceMode 3 "
              "(number of slices)");
        break;
      default: return s->fail(ST_INVALID_PARAM, "sliceMode must be 0..3");
    }
  }
  if (c.maxNumRefFrames > 16) return s->fail(ST_INVALID_PARAM, "maxNumRefFrames must be 0..16");
  if (c.maxNumRefFrames > 1 && !f.multipleRefFrames)
    return unsupported("multiple reference frames are not supported (NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES = 0)");
  return ST_SUCCESS;
}

Status validateConfig(Session* s, const EncodeConfig& c) {
  if (c.codec == Codec::None)
    return s->fail(ST_INVALID_PARAM, "encodeGUID is not an encoder GUID reported by nvEncGetEncodeGUIDs");
  if (c.codec == Codec::AV1 && (s->apiVersion & 0xffff) < 12)
    return s->fail(ST_INVALID_PARAM, "AV1 needs an API 12.x session");
  if (!nullEngineSelected() && !encoderAvailable(c.codec))
    return s->fail(ST_INVALID_PARAM, "this codec is not available (libavcodec lacks its encoder)");
  if (c.width == 0 || c.height == 0) return s->fail(ST_INVALID_PARAM, "encodeWidth/encodeHeight must be non-zero");
  if (c.width > kMaxDim || c.height > kMaxDim)
    return s->fail(ST_INVALID_PARAM, "encode size " + std::to_string(c.width) + "x" + std::to_string(c.height) +
                                         " exceeds NV_ENC_CAPS_WIDTH_MAX/HEIGHT_MAX (4096x4096)");
  if (c.width < 16 || c.height < 16) return s->fail(ST_INVALID_PARAM, "encode size below the 16x16 minimum");
  if (c.chromaFormatIDC != 3 && ((c.width & 1) || (c.height & 1)))
    return s->fail(ST_INVALID_PARAM, "4:2:0 encoding needs even width and height");
  if (c.frameIntervalP < 0 || c.frameIntervalP > 5)
    return s->fail(ST_INVALID_PARAM, "frameIntervalP " + std::to_string(c.frameIntervalP) +
                                         " needs more than NV_ENC_CAPS_NUM_MAX_BFRAMES (4) B-frames");
  if (c.chromaFormatIDC != 1 && c.chromaFormatIDC != 3)
    return s->fail(ST_INVALID_PARAM, "chromaFormatIDC must be 1 (4:2:0) or 3 (4:4:4)");
  if (c.codec == Codec::AV1 && c.chromaFormatIDC == 3)
    return s->fail(ST_INVALID_PARAM,
                   "AV1 4:4:4 encoding is not supported (NV_ENC_CAPS_SUPPORT_YUV444_ENCODE = 0 for AV1)");
  if (c.codec == Codec::H264 && c.bitDepth > 8)
    return s->fail(ST_INVALID_PARAM,
                   "H.264 10-bit encoding is not supported (NV_ENC_CAPS_SUPPORT_10BIT_ENCODE = 0 for H.264)");
  if (c.bitDepth != 8 && c.bitDepth != 10) return s->fail(ST_INVALID_PARAM, "pixel bit depth must be 8 or 10");
  if (c.fpsNum == 0 || c.fpsDen == 0) return s->fail(ST_INVALID_PARAM, "frameRateNum/frameRateDen must be non-zero");
  switch (c.rc.mode) {
    case RC_CONSTQP:
    case RC_VBR:
    case RC_CBR:
    case RC_VBR_MINQP:
    case RC_CBR_LOWDELAY_HQ:
    case RC_CBR_HQ:
    case RC_VBR_HQ: break;
    default: return s->fail(ST_INVALID_PARAM, "unknown rateControlMode " + std::to_string(c.rc.mode));
  }
  if (c.rc.mode == RC_CONSTQP && (c.rc.qpI > 51 || c.rc.qpP > 51 || c.rc.qpB > 51) && c.codec != Codec::AV1)
    return s->fail(ST_INVALID_PARAM, "constQP values must be 0..51");
  return validateControls(s, c);
}

}  // namespace nvsoft
