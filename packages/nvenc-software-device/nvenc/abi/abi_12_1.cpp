// What the NVENC API 12.1 ABI has and 11.1 lacks (or the reverse), compiled against the 12.1
// header; everything the ABIs share is in the other files of this folder (see adapter.hpp).
#include <algorithm>

#include "adapter.hpp"

static_assert(NVENCAPI_MAJOR_VERSION == 12 && NVENCAPI_MINOR_VERSION == 1, "abi_12_1.cpp needs the 12.1 header");

namespace nvsoft {
namespace abi_12_1 {

const GUID* av1CodecGuid() { return &NV_ENC_CODEC_AV1_GUID; }
std::vector<GUID> av1Profiles() { return {NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID, NV_ENC_AV1_PROFILE_MAIN_GUID}; }
bool av1ProfileOf(const GUID& g, Profile* out) {
  if (!eq(g, NV_ENC_AV1_PROFILE_MAIN_GUID)) return false;
  *out = Profile::AV1Main;
  return true;
}

void fillAv1PresetConfig(NV_ENC_CONFIG* c, uint32_t idrPeriod) {
  NV_ENC_CONFIG_AV1& a = c->encodeCodecConfig.av1Config;
  a.idrPeriod = idrPeriod;
  a.chromaFormatIDC = 1;
  a.level = NV_ENC_LEVEL_AV1_AUTOSELECT;
  a.colorPrimaries = (NV_ENC_VUI_COLOR_PRIMARIES)2;
  a.transferCharacteristics = (NV_ENC_VUI_TRANSFER_CHARACTERISTIC)2;
  a.matrixCoefficients = (NV_ENC_VUI_MATRIX_COEFFS)2;
}

void readAv1Config(const NV_ENC_CONFIG& cfg, EncodeConfig& c) {
  const NV_ENC_CONFIG_AV1& a = cfg.encodeCodecConfig.av1Config;
  c.idrPeriod = a.idrPeriod ? a.idrPeriod : c.gopLength;
  c.repeatSPSPPS = a.repeatSeqHdr;
  c.disableSPSPPS = a.disableSeqHdr;
  c.chromaFormatIDC = a.chromaFormatIDC ? (int)a.chromaFormatIDC : 1;
  c.bitDepth = 8 + (int)a.pixelBitDepthMinus8;
  c.vui.present = true;
  c.vui.colourDescriptionPresent = true;
  c.vui.colourPrimaries = raw(a.colorPrimaries);
  c.vui.transferCharacteristics = raw(a.transferCharacteristics);
  c.vui.colourMatrix = raw(a.matrixCoefficients);
  c.vui.fullRange = a.colorRange;
  c.frameIntervalP = std::min(c.frameIntervalP, 1);  // AV1: no reordered B-frames in the software engine
}

// The 12.x header dropped the deprecated presets (see abi_11_1.cpp).
const std::vector<LegacyPreset>& legacyPresets() {
  static const std::vector<LegacyPreset> none;
  return none;
}

void readInitParamsOfThisAbi(const NV_ENC_INITIALIZE_PARAMS& p, EncodeConfig& c) {
  c.bufferFormat = raw(p.bufferFormat);
}

bool capOfThisAbi(int cap, int* value) {
  switch (cap) {
    case NV_ENC_CAPS_DISABLE_ENC_STATE_ADVANCE:
    case NV_ENC_CAPS_OUTPUT_RECON_SURFACE:
    case NV_ENC_CAPS_OUTPUT_BLOCK_STATS:
    case NV_ENC_CAPS_OUTPUT_ROW_STATS: *value = 0; return true;
    default: return false;
  }
}

void fillLockOfThisAbi(NV_ENC_LOCK_BITSTREAM& p, const LockOut& o) { p.frameIdxDisplay = o.frameIdx; }

uint32_t featureStructVersionOfThisAbi(FeatureStruct which) {
  switch (which) {
    case FeatureStruct::RestoreEncoderState: return NV_ENC_RESTORE_ENCODER_STATE_PARAMS_VER;
    case FeatureStruct::LookaheadPicParams: return NV_ENC_LOOKAHEAD_PIC_PARAMS_VER;
    default: return 0;
  }
}

void fillFunctionsOfThisAbi(NV_ENCODE_API_FUNCTION_LIST* fl) {
  NVSOFT_SET_ENTRY(fl, nvEncRestoreEncoderState, restoreEncoderState);
  NVSOFT_SET_ENTRY(fl, nvEncLookaheadPicture, lookaheadPicture);
}

}  // namespace abi_12_1

const AbiOps* const kAbi_12_1 = &abi_12_1::kOps;

void fillFunctionList_12_1(void* list) {
  auto* fl = (NV_ENCODE_API_FUNCTION_LIST*)list;
  abi_12_1::fillCommonFunctions(fl);
  abi_12_1::fillFunctionsOfThisAbi(fl);
}

}  // namespace nvsoft
