// NV_ENC_CONFIG <-> EncodeConfig: preset configurations out, initialize parameters in.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

// ---------------------------------------------------------------------------------------------
void fillVuiDefaults(NV_ENC_CONFIG_H264_VUI_PARAMETERS& v) {
  memset(&v, 0, sizeof v);
  v.videoFormat = (decltype(v.videoFormat))5;
  v.colourPrimaries = (decltype(v.colourPrimaries))2;
  v.transferCharacteristics = (decltype(v.transferCharacteristics))2;
  v.colourMatrix = (decltype(v.colourMatrix))2;
}

void fillPresetConfig(Codec codec, int preset, int tuning, NV_ENC_CONFIG* c) {
  uint32_t ver = c->version;
  memset(c, 0, sizeof *c);
  c->version = ver;
  PresetDefaults d = presetDefaults(codec, preset, tuning);
  c->profileGUID = NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID;
  c->gopLength = d.gopLength;
  c->frameIntervalP = d.frameIntervalP;
  c->frameFieldMode = NV_ENC_PARAMS_FRAME_FIELD_MODE_FRAME;
  c->mvPrecision = NV_ENC_MV_PRECISION_QUARTER_PEL;
  NV_ENC_RC_PARAMS& rc = c->rcParams;
  rc.version = NV_ENC_RC_PARAMS_VER;
  rc.rateControlMode = (NV_ENC_PARAMS_RC_MODE)d.rcMode;
  rc.constQP.qpInterP = d.qpP;
  rc.constQP.qpInterB = d.qpB;
  rc.constQP.qpIntra = d.qpI;
  rc.zeroReorderDelay = d.zeroReorderDelay;
  rc.multiPass = (NV_ENC_MULTI_PASS)d.multiPass;
  uint32_t idr = d.gopLength;
  if (codec == Codec::H264) {
    NV_ENC_CONFIG_H264& h = c->encodeCodecConfig.h264Config;
    h.idrPeriod = idr;
    h.chromaFormatIDC = 1;
    h.level = NV_ENC_LEVEL_AUTOSELECT;
    h.entropyCodingMode = NV_ENC_H264_ENTROPY_CODING_MODE_AUTOSELECT;
    h.qpPrimeYZeroTransformBypassFlag = tuning == TUNE_LOSSLESS;
    fillVuiDefaults(h.h264VUIParameters);
  } else if (codec == Codec::HEVC) {
    NV_ENC_CONFIG_HEVC& h = c->encodeCodecConfig.hevcConfig;
    h.idrPeriod = idr;
    h.chromaFormatIDC = 1;
    h.level = NV_ENC_LEVEL_AUTOSELECT;
    fillVuiDefaults(h.hevcVUIParameters);
  } else if (codec == Codec::AV1) {
    fillAv1PresetConfig(c, idr);
  }
}

void readVui(const NV_ENC_CONFIG_H264_VUI_PARAMETERS& v, Vui& o) {
  o.present = true;
  o.videoSignalTypePresent = v.videoSignalTypePresentFlag;
  o.videoFormat = raw(v.videoFormat);
  o.fullRange = v.videoFullRangeFlag;
  o.colourDescriptionPresent = v.colourDescriptionPresentFlag;
  o.colourPrimaries = raw(v.colourPrimaries);
  o.transferCharacteristics = raw(v.transferCharacteristics);
  o.colourMatrix = raw(v.colourMatrix);
  o.bitstreamRestriction = v.bitstreamRestrictionFlag;
}

// The fields NV_ENC_CONFIG_H264 and NV_ENC_CONFIG_HEVC share (same names, same meaning).
template <class CodecConfig>
void readSharedH26x(const CodecConfig& h, EncodeConfig& c) {
  c.idrPeriod = h.idrPeriod ? h.idrPeriod : c.gopLength;
  c.repeatSPSPPS = h.repeatSPSPPS;
  c.disableSPSPPS = h.disableSPSPPS;
  c.outputAUD = h.outputAUD;
  c.chromaFormatIDC = h.chromaFormatIDC ? (int)h.chromaFormatIDC : 1;
  c.level = h.level == NV_ENC_LEVEL_AUTOSELECT ? 0 : h.level;
  c.bframeRefMode = (int)raw(h.useBFramesAsRef);
  c.sliceMode = h.sliceMode;
  c.sliceModeData = h.sliceModeData;
  c.intraRefresh = h.enableIntraRefresh;
  c.intraRefreshPeriod = h.intraRefreshPeriod;
  c.intraRefreshCnt = h.intraRefreshCnt;
}

// H.264/HEVC controls the software device refuses alike (after readSharedH26x).
template <class CodecConfig>
Status refuseSharedH26x(Session* s, const CodecConfig& h, const EncodeConfig& c) {
  if (h.enableIntraRefresh && h.singleSliceIntraRefresh && !(c.sliceMode == 3 && c.sliceModeData <= 1))
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "singleSliceIntraRefresh with several slices per picture is not supported by the software device");
  if (h.enableConstrainedEncoding)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "enableConstrainedEncoding is not supported (NV_ENC_CAPS_SUPPORT_CONSTRAINED_ENCODING = 0)");
  return ST_SUCCESS;
}

template <class CodecConfig>
Status refuseLtr(Session* s, const CodecConfig& h) {
  if (h.enableLTR)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "long-term reference frames are not supported (NV_ENC_CAPS_NUM_MAX_LTR_FRAMES = 0)");
  return ST_SUCCESS;
}

// NV_ENC_INITIALIZE_PARAMS -> EncodeConfig
Status translateInit(Session* s, const NV_ENC_INITIALIZE_PARAMS* p, EncodeConfig* out) {
  EncodeConfig c;
  c.codec = codecOf(p->encodeGUID);
  if (c.codec == Codec::None || !codecSupported(p->encodeGUID))
    return s->fail(ST_INVALID_PARAM, "encodeGUID is not one of the GUIDs reported by nvEncGetEncodeGUIDs");
  int implied = TUNE_UNDEFINED;
  if (!presetOf(p->presetGUID, &c.preset, &implied))
    return s->fail(ST_INVALID_PARAM, "presetGUID is not a preset GUID reported by nvEncGetEncodePresetGUIDs");
  int tuning = (int)raw(p->tuningInfo);
  if (tuning == TUNE_UNDEFINED) tuning = implied != TUNE_UNDEFINED ? implied : TUNE_HQ;
  if (tuning < TUNE_HQ || tuning > TUNE_LOSSLESS)
    return s->fail(ST_INVALID_PARAM,
                   "tuningInfo " + std::to_string(raw(p->tuningInfo)) + " is not a valid NV_ENC_TUNING_INFO");
  c.tuning = tuning;
  if (p->enableEncodeAsync)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "enableEncodeAsync: asynchronous mode is Windows-only (NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT = 0)");
  if (!p->enablePTD)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "enablePTD = 0 (client-chosen picture types) is not supported by the software device");
  if (p->enableMEOnlyMode)
    return s->fail(ST_UNSUPPORTED_PARAM, "enableMEOnlyMode is not supported (NV_ENC_CAPS_SUPPORT_MEONLY_MODE = 0)");
  c.width = p->encodeWidth;
  c.height = p->encodeHeight;
  c.darW = p->darWidth;
  c.darH = p->darHeight;
  c.fpsNum = p->frameRateNum;
  c.fpsDen = p->frameRateDen;
  c.maxEncodeWidth = p->maxEncodeWidth ? p->maxEncodeWidth : p->encodeWidth;
  c.maxEncodeHeight = p->maxEncodeHeight ? p->maxEncodeHeight : p->encodeHeight;
  readInitParamsOfThisAbi(*p, c);
  NV_ENC_CONFIG def;
  const NV_ENC_CONFIG* cfg = p->encodeConfig;
  if (cfg) {
    if (cfg->version != sessionVer(s, NV_ENC_CONFIG_VER))
      return s->fail(ST_INVALID_VERSION, "encodeConfig->version 0x" + hex(cfg->version) +
                                             " is not NV_ENC_CONFIG_VER of the session's API " +
                                             apiText(s->apiVersion) + " (0x" + hex(sessionVer(s, NV_ENC_CONFIG_VER)) +
                                             ")");
  } else {
    def.version = NV_ENC_CONFIG_VER;
    fillPresetConfig(c.codec, c.preset, tuning, &def);
    cfg = &def;
  }
  if (!profileOf(c.codec, cfg->profileGUID, &c.profile))
    return s->fail(ST_INVALID_PARAM,
                   "profileGUID is not a profile of this codec reported by nvEncGetEncodeProfileGUIDs");
  c.gopLength = cfg->gopLength;
  c.frameIntervalP = cfg->frameIntervalP;
  if (raw(cfg->frameFieldMode) != NV_ENC_PARAMS_FRAME_FIELD_MODE_FRAME)
    return s->fail(ST_UNSUPPORTED_PARAM, "field encoding is not supported (NV_ENC_CAPS_SUPPORT_FIELD_ENCODING = 0)");
  const NV_ENC_RC_PARAMS& rc = cfg->rcParams;
  c.rc.mode = (int)raw(rc.rateControlMode);
  c.rc.qpP = rc.constQP.qpInterP;
  c.rc.qpB = rc.constQP.qpInterB;
  c.rc.qpI = rc.constQP.qpIntra;
  c.rc.averageBitRate = rc.averageBitRate;
  c.rc.maxBitRate = rc.maxBitRate;
  c.rc.vbvBufferSize = rc.vbvBufferSize;
  c.rc.vbvInitialDelay = rc.vbvInitialDelay;
  c.rc.enableMinQP = rc.enableMinQP;
  c.rc.enableMaxQP = rc.enableMaxQP;
  c.rc.minQP[0] = rc.minQP.qpInterP;
  c.rc.minQP[1] = rc.minQP.qpInterB;
  c.rc.minQP[2] = rc.minQP.qpIntra;
  c.rc.maxQP[0] = rc.maxQP.qpInterP;
  c.rc.maxQP[1] = rc.maxQP.qpInterB;
  c.rc.maxQP[2] = rc.maxQP.qpIntra;
  c.rc.enableAQ = rc.enableAQ;
  c.rc.enableLookahead = rc.enableLookahead;
  c.rc.lookaheadDepth = rc.lookaheadDepth;
  c.rc.zeroReorderDelay = rc.zeroReorderDelay;
  c.rc.strictGOPTarget = rc.strictGOPTarget;
  c.rc.targetQuality = rc.targetQuality;
  c.rc.multiPass = (int)raw(rc.multiPass);
  c.rc.aqStrength = rc.aqStrength;
  c.rc.enableTemporalAQ = rc.enableTemporalAQ;
  c.rc.disableIadapt = rc.disableIadapt;
  c.rc.disableBadapt = rc.disableBadapt;
  c.rc.qpMapMode = (int)raw(rc.qpMapMode);
  c.weightedPrediction = p->enableWeightedPrediction;
  c.reportSliceOffsets = p->reportSliceOffsets;
  if (c.codec == Codec::H264) {
    const NV_ENC_CONFIG_H264& h = cfg->encodeCodecConfig.h264Config;
    readSharedH26x(h, c);
    if (c.profile == Profile::H264High444 && h.chromaFormatIDC == 0) c.chromaFormatIDC = 3;
    c.maxNumRefFrames = h.maxNumRefFrames;
    c.entropy = (int)raw(h.entropyCodingMode);
    c.lossless = tuning == TUNE_LOSSLESS || h.qpPrimeYZeroTransformBypassFlag;
    if (Status st = refuseSharedH26x(s, h, c)) return st;
    if (h.enableTemporalSVC)
      return s->fail(ST_UNSUPPORTED_PARAM, "temporal SVC is not supported (NV_ENC_CAPS_SUPPORT_TEMPORAL_SVC = 0)");
    if (Status st = refuseLtr(s, h)) return st;
    readVui(h.h264VUIParameters, c.vui);
  } else if (c.codec == Codec::HEVC) {
    const NV_ENC_CONFIG_HEVC& h = cfg->encodeCodecConfig.hevcConfig;
    readSharedH26x(h, c);
    c.bitDepth = 8 + (int)h.pixelBitDepthMinus8;
    if (c.profile == Profile::HEVCMain10) c.bitDepth = 10;
    c.maxNumRefFrames = h.maxNumRefFramesInDPB;
    c.lossless = tuning == TUNE_LOSSLESS;
    if (Status st = refuseSharedH26x(s, h, c)) return st;
    if (Status st = refuseLtr(s, h)) return st;
    readVui(h.hevcVUIParameters, c.vui);
  } else if (c.codec == Codec::AV1) {
    readAv1Config(*cfg, c);
  }
  if (c.rc.mode == RC_CONSTQP && c.rc.qpI == 0 && c.rc.qpP == 0 && c.rc.qpB == 0) c.lossless = true;
  *out = c;
  return ST_SUCCESS;
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
