#include "session/encode_config.h"

#include <string>

#include "abi/nvenc_abi.h"
#include "session/capabilities.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

namespace {

template <typename Vui>
void fillVui(Vui& vui, const ColourDescription& colour, bool bitstreamRestriction) {
  if (colour.present) {
    vui.videoSignalTypePresentFlag = 1;
    abi::assign(vui.videoFormat, 5);  // unspecified
    vui.videoFullRangeFlag = colour.fullRange ? 1 : 0;
    vui.colourDescriptionPresentFlag = 1;
    abi::assign(vui.colourPrimaries, colour.primaries);
    abi::assign(vui.transferCharacteristics, colour.transfer);
    abi::assign(vui.colourMatrix, colour.matrix);
  }
  // Browsers' hardware decoders hold frames back unless the VUI says none are reordered.
  if (bitstreamRestriction) vui.bitstreamRestrictionFlag = 1;
}

GUID profileGuid(const SessionOptions& o, const FrameLayout& layout) {
  const Codec codec = o.codec;
  switch (o.profile) {
    case Profile::Auto:
      if (codec == Codec::H264 && layout.chroma444()) return NV_ENC_H264_PROFILE_HIGH_444_GUID;
      if (codec == Codec::Hevc && layout.chroma444()) return NV_ENC_HEVC_PROFILE_FREXT_GUID;
      if (codec == Codec::Hevc && layout.tenBit()) return NV_ENC_HEVC_PROFILE_MAIN10_GUID;
      if (codec == Codec::Av1) return abi::av1MainProfileGuid();
      return NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID;
    case Profile::Baseline: return NV_ENC_H264_PROFILE_BASELINE_GUID;
    case Profile::Main:
      if (codec == Codec::H264) return NV_ENC_H264_PROFILE_MAIN_GUID;
      if (codec == Codec::Hevc) return NV_ENC_HEVC_PROFILE_MAIN_GUID;
      return abi::av1MainProfileGuid();
    case Profile::High: return NV_ENC_H264_PROFILE_HIGH_GUID;
    case Profile::High444:
      return codec == Codec::H264 ? NV_ENC_H264_PROFILE_HIGH_444_GUID : NV_ENC_HEVC_PROFILE_FREXT_GUID;
    case Profile::Main10: return NV_ENC_HEVC_PROFILE_MAIN10_GUID;
  }
  return NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID;
}

void setupRateControl(NV_ENC_RC_PARAMS& rc, const SessionOptions& o) {
  if (o.tuning == NV_ENC_TUNING_INFO_LOSSLESS) {
    rc.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
    rc.constQP = {0, 0, 0};
  } else if (o.rateControl == RateControl::Cqp) {
    rc.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
    if (o.hasQp) rc.constQP = {o.qpP, o.qpB, o.qpI};
  } else {
    rc.rateControlMode = o.rateControl == RateControl::Cbr ? NV_ENC_PARAMS_RC_CBR : NV_ENC_PARAMS_RC_VBR;
    if (o.bitrate) rc.averageBitRate = o.bitrate;
    if (o.maxBitrate)
      rc.maxBitRate = o.maxBitrate;
    else if (o.rateControl == RateControl::Cbr && o.bitrate)
      rc.maxBitRate = o.bitrate;
    if (o.vbvBufferSize) {
      rc.vbvBufferSize = o.vbvBufferSize;
      rc.vbvInitialDelay = o.vbvBufferSize;
    }
  }
  if (o.zeroReorderDelay) rc.zeroReorderDelay = 1;
  rc.enableAQ = o.spatialAq ? 1 : 0;
  rc.aqStrength = o.spatialAq ? o.aqStrength : 0;
  rc.enableTemporalAQ = o.temporalAq ? 1 : 0;
  rc.enableLookahead = o.lookahead > 0 ? 1 : 0;
  rc.lookaheadDepth = static_cast<uint16_t>(o.lookahead);
  // Picture types stay where the caller's GOP options put them: no scene-cut I-frames or
  // adaptive B-frame counts from the lookahead.
  rc.disableIadapt = o.lookahead > 0 ? 1 : 0;
  rc.disableBadapt = o.lookahead > 0 ? 1 : 0;
  if (o.hasMultipass) {
    switch (o.multipass) {
      case Multipass::Disabled: rc.multiPass = NV_ENC_MULTI_PASS_DISABLED; break;
      case Multipass::QuarterResolution: rc.multiPass = NV_ENC_TWO_PASS_QUARTER_RESOLUTION; break;
      case Multipass::FullResolution: rc.multiPass = NV_ENC_TWO_PASS_FULL_RESOLUTION; break;
    }
  }
  switch (o.qpMap) {
    case QpMapMode::Off: rc.qpMapMode = NV_ENC_QP_MAP_DISABLED; break;
    case QpMapMode::Delta: rc.qpMapMode = NV_ENC_QP_MAP_DELTA; break;
    case QpMapMode::Emphasis: rc.qpMapMode = NV_ENC_QP_MAP_EMPHASIS; break;
  }
}

uint32_t sliceModeOf(SliceMode m) {
  switch (m) {
    case SliceMode::Macroblocks: return 0;
    case SliceMode::MaxBytes: return 1;
    case SliceMode::Rows: return 2;
    case SliceMode::Count: return 3;
  }
  return 3;
}

NV_ENC_BFRAME_REF_MODE bFrameRefModeOf(BFrameRefMode m) {
  switch (m) {
    case BFrameRefMode::Each: return NV_ENC_BFRAME_REF_MODE_EACH;
    case BFrameRefMode::Middle: return NV_ENC_BFRAME_REF_MODE_MIDDLE;
    case BFrameRefMode::Disabled: break;
  }
  return NV_ENC_BFRAME_REF_MODE_DISABLED;
}

// The controls H.264 and HEVC share, under the same field names in both codec structs.
template <typename CodecConfig>
void setupSharedControls(CodecConfig& c, const SessionOptions& o) {
  // Slices said explicitly (one by default): noVNC hands each NAL unit to WebCodecs as a whole
  // picture, so multi-slice pictures break browser playback unless the caller asks for them.
  c.sliceMode = sliceModeOf(o.sliceMode);
  c.sliceModeData = o.sliceValue;
  if (o.intraRefreshPeriod) {
    c.enableIntraRefresh = 1;
    c.intraRefreshPeriod = o.intraRefreshPeriod;
    c.intraRefreshCnt = o.intraRefreshCount;
  }
  c.useBFramesAsRef = bFrameRefModeOf(o.bFrameRefMode);
  if (o.longTermReferences) {
    c.enableLTR = 1;
    c.ltrTrustMode = 0;  // per-picture marking (ltrMarkFrame), NVENC's preferred mode
    c.ltrNumFrames = o.longTermReferences;
  }
}

void setupH264Config(NV_ENC_CONFIG_H264& h, const SessionOptions& o, const FrameLayout& layout) {
  h.idrPeriod = o.idrPeriod;
  h.repeatSPSPPS = o.repeatSpsPps ? 1 : 0;
  h.chromaFormatIDC = layout.chroma444() ? 3 : 1;
  setupSharedControls(h, o);
  if (o.maxReferenceFrames) h.maxNumRefFrames = o.maxReferenceFrames;
  fillVui(h.h264VUIParameters, o.colour, o.zeroReorderDelay);
}

void setupHevcConfig(NV_ENC_CONFIG_HEVC& h, const SessionOptions& o, const FrameLayout& layout) {
  h.idrPeriod = o.idrPeriod;
  h.repeatSPSPPS = o.repeatSpsPps ? 1 : 0;
  h.chromaFormatIDC = layout.chroma444() ? 3 : 1;
  h.pixelBitDepthMinus8 = (layout.tenBit() || o.profile == Profile::Main10) ? 2 : 0;
  setupSharedControls(h, o);
  if (o.maxReferenceFrames) h.maxNumRefFramesInDPB = o.maxReferenceFrames;
  fillVui(h.hevcVUIParameters, o.colour, o.zeroReorderDelay);
}

// The AV1 structure exists only in NVENC API 12+ headers; abi::configureAv1 fills it.
void setupAv1Config(NV_ENC_CONFIG& config, const SessionOptions& o, const FrameLayout& layout) {
  abi::Av1Settings av1;
  av1.idrPeriod = o.idrPeriod;
  av1.repeatSequenceHeader = o.repeatSpsPps;
  av1.tenBit = layout.tenBit();
  av1.colourPresent = o.colour.present;
  av1.primaries = o.colour.primaries;
  av1.transfer = o.colour.transfer;
  av1.matrix = o.colour.matrix;
  av1.fullRange = o.colour.fullRange;
  if (!abi::configureAv1(config, av1))
    throw NativeError("INVALID_OPTION", "AV1 is not available in NVENC API " + compiledApiVersion().str(), 0,
                      "configure");
}

}  // namespace

GUID presetGuid(int preset) {
  switch (preset) {
    case 1: return NV_ENC_PRESET_P1_GUID;
    case 2: return NV_ENC_PRESET_P2_GUID;
    case 3: return NV_ENC_PRESET_P3_GUID;
    case 4: return NV_ENC_PRESET_P4_GUID;
    case 5: return NV_ENC_PRESET_P5_GUID;
    case 6: return NV_ENC_PRESET_P6_GUID;
    case 7: return NV_ENC_PRESET_P7_GUID;
  }
  throw NativeError("INVALID_OPTION", "preset must be p1..p7, got " + std::to_string(preset), 0, "configure");
}

NV_ENC_CONFIG buildEncodeConfig(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, const SessionOptions& o,
                                const FrameLayout& layout) {
  TraceRange trace("nvenc:configure");
  NV_ENC_PRESET_CONFIG preset{};
  preset.version = NV_ENC_PRESET_CONFIG_VER;
  preset.presetCfg.version = NV_ENC_CONFIG_VER;
  checkNvenc(fns, encoder,
             fns.nvEncGetEncodePresetConfigEx(encoder, codecGuid(o.codec), presetGuid(o.preset), o.tuning, &preset),
             "nvEncGetEncodePresetConfigEx", "configure");
  NV_ENC_CONFIG config = preset.presetCfg;
  config.version = NV_ENC_CONFIG_VER;
  config.profileGUID = profileGuid(o, layout);
  config.gopLength = o.gop;
  config.frameIntervalP = static_cast<int32_t>(o.bFrames + 1);
  setupRateControl(config.rcParams, o);
  switch (o.codec) {
    case Codec::H264: setupH264Config(config.encodeCodecConfig.h264Config, o, layout); break;
    case Codec::Hevc: setupHevcConfig(config.encodeCodecConfig.hevcConfig, o, layout); break;
    case Codec::Av1: setupAv1Config(config, o, layout); break;
  }
  return config;
}

}  // namespace nvenc
