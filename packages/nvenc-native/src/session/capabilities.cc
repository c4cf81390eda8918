#include "session/capabilities.h"

#include <algorithm>
#include <cstring>

#include "abi/nvenc_abi.h"
#include "session/status_check.h"

namespace nvenc {

namespace {

bool sameGuid(const GUID& a, const GUID& b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }

// getCapabilities()'s names (camelCase of NV_ENC_CAPS_*), in the order they are reported.
const std::pair<const char*, NV_ENC_CAPS> kNamedCapabilities[] = {
    {"widthMax", NV_ENC_CAPS_WIDTH_MAX},
    {"heightMax", NV_ENC_CAPS_HEIGHT_MAX},
    {"widthMin", NV_ENC_CAPS_WIDTH_MIN},
    {"heightMin", NV_ENC_CAPS_HEIGHT_MIN},
    {"numMaxBframes", NV_ENC_CAPS_NUM_MAX_BFRAMES},
    {"supportedRatecontrolModes", NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES},
    {"support10bitEncode", NV_ENC_CAPS_SUPPORT_10BIT_ENCODE},
    {"supportLosslessEncode", NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE},
    {"supportYuv444Encode", NV_ENC_CAPS_SUPPORT_YUV444_ENCODE},
    {"supportLookahead", NV_ENC_CAPS_SUPPORT_LOOKAHEAD},
    {"supportTemporalAq", NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ},
    {"asyncEncodeSupport", NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT},
    {"supportDynResChange", NV_ENC_CAPS_SUPPORT_DYN_RES_CHANGE},
    {"supportDynBitrateChange", NV_ENC_CAPS_SUPPORT_DYN_BITRATE_CHANGE},
    {"supportDynForceConstqp", NV_ENC_CAPS_SUPPORT_DYN_FORCE_CONSTQP},
    {"supportDynRcmodeChange", NV_ENC_CAPS_SUPPORT_DYN_RCMODE_CHANGE},
    {"supportCustomVbvBufSize", NV_ENC_CAPS_SUPPORT_CUSTOM_VBV_BUF_SIZE},
    {"supportIntraRefresh", NV_ENC_CAPS_SUPPORT_INTRA_REFRESH},
    {"supportDynamicSliceMode", NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE},
    {"supportBframeRefMode", NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE},
    {"supportFieldEncoding", NV_ENC_CAPS_SUPPORT_FIELD_ENCODING},
    {"supportMonochrome", NV_ENC_CAPS_SUPPORT_MONOCHROME},
    {"supportCabac", NV_ENC_CAPS_SUPPORT_CABAC},
    {"supportSao", NV_ENC_CAPS_SUPPORT_SAO},
    {"supportTemporalSvc", NV_ENC_CAPS_SUPPORT_TEMPORAL_SVC},
    {"supportHierarchicalPframes", NV_ENC_CAPS_SUPPORT_HIERARCHICAL_PFRAMES},
    {"supportHierarchicalBframes", NV_ENC_CAPS_SUPPORT_HIERARCHICAL_BFRAMES},
    {"supportRefPicInvalidation", NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION},
    {"supportWeightedPrediction", NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION},
    {"supportMultipleRefFrames", NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES},
    {"supportAlphaLayerEncoding", NV_ENC_CAPS_SUPPORT_ALPHA_LAYER_ENCODING},
    {"supportEmphasisLevelMap", NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP},
    {"supportMeonlyMode", NV_ENC_CAPS_SUPPORT_MEONLY_MODE},
    {"numMaxTemporalLayers", NV_ENC_CAPS_NUM_MAX_TEMPORAL_LAYERS},
    {"numMaxLtrFrames", NV_ENC_CAPS_NUM_MAX_LTR_FRAMES},
    {"numEncoderEngines", NV_ENC_CAPS_NUM_ENCODER_ENGINES},
    {"singleSliceIntraRefresh", NV_ENC_CAPS_SINGLE_SLICE_INTRA_REFRESH},
    {"mbNumMax", NV_ENC_CAPS_MB_NUM_MAX},
    {"mbPerSecMax", NV_ENC_CAPS_MB_PER_SEC_MAX},
    {"levelMax", NV_ENC_CAPS_LEVEL_MAX},
    {"levelMin", NV_ENC_CAPS_LEVEL_MIN},
    {"dynamicQueryEncoderCapacity", NV_ENC_CAPS_DYNAMIC_QUERY_ENCODER_CAPACITY},
};

NativeError unsupported(const std::string& what) {
  return NativeError("NV_ENC_ERR_UNSUPPORTED_PARAM", what, NV_ENC_ERR_UNSUPPORTED_PARAM, "caps");
}

}  // namespace

GUID codecGuid(Codec codec) {
  switch (codec) {
    case Codec::H264: return NV_ENC_CODEC_H264_GUID;
    case Codec::Hevc: return NV_ENC_CODEC_HEVC_GUID;
    case Codec::Av1: return abi::av1CodecGuid();
  }
  return GUID{};
}

bool SessionCapabilities::query(Codec codec, NV_ENC_CAPS which, int& value) const {
  NV_ENC_CAPS_PARAM param{};
  param.version = NV_ENC_CAPS_PARAM_VER;
  param.capsToQuery = which;
  value = 0;
  return fns_.nvEncGetEncodeCaps(encoder_, codecGuid(codec), &param, &value) == NV_ENC_SUCCESS;
}

int SessionCapabilities::get(Codec codec, NV_ENC_CAPS which) const {
  int value = 0;
  return query(codec, which, value) ? value : -1;
}

// strict: a failing query throws (opening a session); otherwise it reads as "no codecs".
std::vector<GUID> SessionCapabilities::codecGuids(bool strict) const {
  uint32_t count = 0, got = 0;
  NVENCSTATUS s = fns_.nvEncGetEncodeGUIDCount(encoder_, &count);
  if (strict) checkNvenc(fns_, encoder_, s, "nvEncGetEncodeGUIDCount", "caps");
  std::vector<GUID> guids(count);
  if (count) {
    s = fns_.nvEncGetEncodeGUIDs(encoder_, guids.data(), count, &got);
    if (strict) checkNvenc(fns_, encoder_, s, "nvEncGetEncodeGUIDs", "caps");
  }
  guids.resize(got);
  return guids;
}

bool SessionCapabilities::offers(Codec codec) const {
  if (codec == Codec::Av1 && !abi::kHasAv1) return false;
  GUID guid = codecGuid(codec);
  std::vector<GUID> guids = codecGuids(false);
  return std::any_of(guids.begin(), guids.end(), [&](const GUID& g) { return sameGuid(g, guid); });
}

std::vector<std::pair<std::string, int>> SessionCapabilities::describe(Codec codec) const {
  std::vector<std::pair<std::string, int>> out;
  bool supported = offers(codec);
  out.emplace_back("supported", supported ? 1 : 0);
  if (!supported) return out;
  for (const auto& [name, which] : kNamedCapabilities) {
    int value = 0;
    if (query(codec, which, value)) out.emplace_back(name, value);
  }
  return out;
}

void SessionCapabilities::check(const SessionOptions& options, const FrameLayout& layout,
                                const std::string& deviceName) const {
  const Codec codecId = options.codec;
  const char* codec = codecName(codecId);
  if (codecId == Codec::Av1 && !abi::kHasAv1)
    throw unsupported("AV1 encoding needs NVENC API 12.0 or newer; this binary is built for NVENC API " +
                      compiledApiVersion().str());

  std::vector<GUID> guids = codecGuids(true);
  auto offered = [&](Codec c) {
    GUID g = codecGuid(c);
    return std::any_of(guids.begin(), guids.end(), [&](const GUID& x) { return sameGuid(x, g); });
  };
  if (!offered(codecId)) {
    std::string list;
    for (Codec c : {Codec::H264, Codec::Hevc, Codec::Av1})
      if (offered(c)) list += (list.empty() ? "" : ", ") + std::string(codecName(c));
    throw unsupported(deviceName + " cannot encode " + codec + " (it supports: " + (list.empty() ? "none" : list) +
                      ")");
  }

  auto limit = [&](NV_ENC_CAPS which, uint32_t value, const char* what, bool isMax) {
    int v = get(codecId, which);
    if (v <= 0) return;  // unknown to this driver
    if (isMax ? value > uint32_t(v) : value < uint32_t(v))
      throw unsupported(std::string(what) + " " + std::to_string(value) +
                        (isMax ? " exceeds the maximum of " : " is below the minimum of ") + std::to_string(v) +
                        " for " + codec + " on " + deviceName);
  };
  limit(NV_ENC_CAPS_WIDTH_MAX, options.width, "width", true);
  limit(NV_ENC_CAPS_HEIGHT_MAX, options.height, "height", true);
  limit(NV_ENC_CAPS_WIDTH_MIN, options.width, "width", false);
  limit(NV_ENC_CAPS_HEIGHT_MIN, options.height, "height", false);
  if (options.bFrames > 0) {
    int maxB = get(codecId, NV_ENC_CAPS_NUM_MAX_BFRAMES);
    if (maxB >= 0 && options.bFrames > uint32_t(maxB))
      throw unsupported("bFrames " + std::to_string(options.bFrames) + " exceeds the maximum of " +
                        std::to_string(maxB) + " for " + codec + " on " + deviceName);
  }
  auto need = [&](NV_ENC_CAPS which, const char* what) {
    if (get(codecId, which) <= 0) throw unsupported(deviceName + " does not support " + what + " for " + codec);
  };
  if (layout.tenBit() || options.profile == Profile::Main10) need(NV_ENC_CAPS_SUPPORT_10BIT_ENCODE, "10-bit encoding");
  if (options.tuning == NV_ENC_TUNING_INFO_LOSSLESS) need(NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE, "lossless encoding");
  if (layout.chroma444() || options.profile == Profile::High444)
    need(NV_ENC_CAPS_SUPPORT_YUV444_ENCODE, "4:4:4 encoding");
  checkControls(options, deviceName);
}

void SessionCapabilities::checkControls(const SessionOptions& o, const std::string& deviceName) const {
  const char* codec = codecName(o.codec);
  // Each control asks its capability before the session is initialised; a refusal names the
  // option, the capability (as getCapabilities() names it) and what the device answered.
  auto refuse = [&](const char* option, NV_ENC_CAPS which, int value, const std::string& what) {
    NativeError e("CAPABILITY_UNSUPPORTED",
                  deviceName + " does not support " + what + " for " + codec + " (" + capabilityName(which) + " = " +
                      std::to_string(value) + "); option " + option,
                  NV_ENC_ERR_UNSUPPORTED_PARAM, "caps", option);
    throw e.withCapability(capabilityName(which));
  };
  auto require = [&](bool wanted, const char* option, NV_ENC_CAPS which, const std::string& what) {
    if (!wanted) return;
    int v = get(o.codec, which);
    if (v <= 0) refuse(option, which, v, what);
  };
  require(o.intraRefreshPeriod > 0, "intraRefresh", NV_ENC_CAPS_SUPPORT_INTRA_REFRESH, "intra refresh");
  require(o.sliceMode == SliceMode::MaxBytes, "slices", NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE, "byte-limited slices");
  require(o.temporalAq, "temporalAq", NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ, "temporal AQ");
  require(o.lookahead > 0, "lookahead", NV_ENC_CAPS_SUPPORT_LOOKAHEAD, "lookahead");
  require(o.weightedPrediction, "weightedPrediction", NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION, "weighted prediction");
  require(o.maxReferenceFrames > 1, "maxReferenceFrames", NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES,
          "multiple reference frames");
  require(o.qpMap == QpMapMode::Emphasis, "qpMap", NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP, "emphasis level maps");
  if (o.bFrameRefMode != BFrameRefMode::Disabled) {
    // 0 none, 1 each B-frame, 2 only the middle one, 3 both.
    int v = get(o.codec, NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE);
    bool each = o.bFrameRefMode == BFrameRefMode::Each;
    if (!(v == 3 || v == (each ? 1 : 2)))
      refuse("bFrameRefMode", NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE, v,
             each ? "each B-frame as a reference" : "the middle B-frame as a reference");
  }
  if (o.longTermReferences > 0) {
    int v = get(o.codec, NV_ENC_CAPS_NUM_MAX_LTR_FRAMES);
    if (v < static_cast<int>(o.longTermReferences))
      refuse("longTermReferences", NV_ENC_CAPS_NUM_MAX_LTR_FRAMES, v,
             std::to_string(o.longTermReferences) + " long-term reference frames");
  }
}

const char* capabilityName(NV_ENC_CAPS which) {
  for (const auto& [name, caps] : kNamedCapabilities)
    if (caps == which) return name;
  return "unknown";
}

}  // namespace nvenc
