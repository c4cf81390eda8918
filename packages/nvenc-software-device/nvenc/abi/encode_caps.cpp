// nvEncGetEncodeCaps: NV_ENC_CAPS_* values of the device.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

Status getEncodeCaps(Session* s, const void* cg, void* cp, int* val) {
  NEED_CODEC(cg);
  auto* p = (NV_ENC_CAPS_PARAM*)cp;
  if (!p || !val) return s->fail(ST_INVALID_PTR, "nvEncGetEncodeCaps: capsParam or capsVal is NULL");
  CHECK_VER(p, NV_ENC_CAPS_PARAM_VER, "nvEncGetEncodeCaps");
  bool h264 = codec == Codec::H264, hevc = codec == Codec::HEVC;
  const FeatureCaps fc = featureCaps(codec);
  int v = 0;
  switch (raw(p->capsToQuery)) {
    case NV_ENC_CAPS_NUM_MAX_BFRAMES: v = codec == Codec::AV1 ? 0 : 4; break;
    case NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES:
      v = NV_ENC_PARAMS_RC_CONSTQP | NV_ENC_PARAMS_RC_VBR | NV_ENC_PARAMS_RC_CBR;
      break;
    case NV_ENC_CAPS_SUPPORT_FIELD_ENCODING: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_MONOCHROME: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_FMO: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_QPELMV: v = 1; break;
    case NV_ENC_CAPS_SUPPORT_BDIRECT_MODE: v = h264; break;
    case NV_ENC_CAPS_SUPPORT_CABAC: v = h264; break;
    case NV_ENC_CAPS_SUPPORT_ADAPTIVE_TRANSFORM: v = h264; break;
    case NV_ENC_CAPS_SUPPORT_STEREO_MVC: v = 0; break;
    case NV_ENC_CAPS_NUM_MAX_TEMPORAL_LAYERS: v = 1; break;
    case NV_ENC_CAPS_SUPPORT_HIERARCHICAL_PFRAMES: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_HIERARCHICAL_BFRAMES: v = 0; break;
    case NV_ENC_CAPS_LEVEL_MAX: v = h264 ? 52 : hevc ? 186 : 23; break;
    case NV_ENC_CAPS_LEVEL_MIN: v = h264 ? 10 : hevc ? 30 : 0; break;
    case NV_ENC_CAPS_SEPARATE_COLOUR_PLANE: v = 0; break;
    case NV_ENC_CAPS_WIDTH_MAX: v = 4096; break;
    case NV_ENC_CAPS_HEIGHT_MAX: v = 4096; break;
    case NV_ENC_CAPS_SUPPORT_TEMPORAL_SVC: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_DYN_RES_CHANGE: v = 1; break;
    case NV_ENC_CAPS_SUPPORT_DYN_BITRATE_CHANGE: v = 1; break;
    case NV_ENC_CAPS_SUPPORT_DYN_FORCE_CONSTQP: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_DYN_RCMODE_CHANGE: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_SUBFRAME_READBACK: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_CONSTRAINED_ENCODING: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_INTRA_REFRESH: v = fc.intraRefresh; break;
    case NV_ENC_CAPS_SUPPORT_CUSTOM_VBV_BUF_SIZE: v = fc.customVbv; break;
    case NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE: v = fc.dynamicSliceMode; break;
    case NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION: v = fc.refPicInvalidation; break;
    case NV_ENC_CAPS_PREPROC_SUPPORT: v = 0; break;
    case NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT: v = 0; break;
    case NV_ENC_CAPS_MB_NUM_MAX: v = (4096 / 16) * (4096 / 16); break;
    case NV_ENC_CAPS_MB_PER_SEC_MAX: v = (4096 / 16) * (4096 / 16) * 60; break;
    case NV_ENC_CAPS_SUPPORT_YUV444_ENCODE: v = codec != Codec::AV1; break;
    case NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE: v = codec != Codec::AV1; break;
    case NV_ENC_CAPS_SUPPORT_SAO: v = hevc; break;
    case NV_ENC_CAPS_SUPPORT_MEONLY_MODE: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_LOOKAHEAD: v = fc.lookahead; break;
    case NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ: v = fc.temporalAQ; break;
    case NV_ENC_CAPS_SUPPORT_10BIT_ENCODE: v = codec != Codec::H264; break;
    case NV_ENC_CAPS_NUM_MAX_LTR_FRAMES: v = fc.ltrFrames; break;
    case NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION: v = fc.weightedPrediction; break;
    case NV_ENC_CAPS_DYNAMIC_QUERY_ENCODER_CAPACITY: v = 0; break;
    case NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE: v = fc.bframeRefMode; break;
    case NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP: v = fc.emphasisLevelMap; break;
    case NV_ENC_CAPS_WIDTH_MIN: v = 16; break;
    case NV_ENC_CAPS_HEIGHT_MIN: v = 16; break;
    case NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES: v = fc.multipleRefFrames; break;
    case NV_ENC_CAPS_SUPPORT_ALPHA_LAYER_ENCODING: v = 0; break;
    case NV_ENC_CAPS_NUM_ENCODER_ENGINES: v = 1; break;
    case NV_ENC_CAPS_SINGLE_SLICE_INTRA_REFRESH: v = 0; break;
    default:
      if (capOfThisAbi((int)raw(p->capsToQuery), &v)) break;
      return s->fail(ST_INVALID_PARAM,
                     "capsToQuery " + std::to_string(raw(p->capsToQuery)) + " is not a valid NV_ENC_CAPS value");
  }
  *val = v;
  return ST_SUCCESS;
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
