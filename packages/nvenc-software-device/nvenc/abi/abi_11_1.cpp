// What the NVENC API 11.1 ABI has and 12.1 lacks (or the reverse), compiled against the 11.1
// header; everything the ABIs share is in the other files of this folder (see adapter.hpp).
#include "adapter.hpp"

static_assert(NVENCAPI_MAJOR_VERSION == 11 && NVENCAPI_MINOR_VERSION == 1, "abi_11_1.cpp needs the 11.1 header");

namespace nvsoft {
namespace abi_11_1 {

// No AV1 before the 12.x header.
const GUID* av1CodecGuid() { return nullptr; }
std::vector<GUID> av1Profiles() { return {}; }
bool av1ProfileOf(const GUID&, Profile*) { return false; }
void fillAv1PresetConfig(NV_ENC_CONFIG*, uint32_t) {}
void readAv1Config(const NV_ENC_CONFIG&, EncodeConfig&) {}

// Deprecated 11.x presets, still accepted (and enumerated) for 11.x clients; each maps to a P-preset
// with an implied tuning. GStreamer 1.22's nvh264enc/nvh265enc pick these and refuse to start
// unless nvEncGetEncodePresetGUIDs lists them. The 12.x header no longer has them.
const std::vector<LegacyPreset>& legacyPresets() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  static const std::vector<LegacyPreset> presets = {{&NV_ENC_PRESET_DEFAULT_GUID, 4, TUNE_HQ},
                                                    {&NV_ENC_PRESET_HP_GUID, 2, TUNE_HQ},
                                                    {&NV_ENC_PRESET_HQ_GUID, 6, TUNE_HQ},
                                                    {&NV_ENC_PRESET_BD_GUID, 6, TUNE_HQ},
                                                    {&NV_ENC_PRESET_LOW_LATENCY_DEFAULT_GUID, 4, TUNE_LL},
                                                    {&NV_ENC_PRESET_LOW_LATENCY_HQ_GUID, 6, TUNE_LL},
                                                    {&NV_ENC_PRESET_LOW_LATENCY_HP_GUID, 2, TUNE_LL},
                                                    {&NV_ENC_PRESET_LOSSLESS_DEFAULT_GUID, 4, TUNE_LOSSLESS},
                                                    {&NV_ENC_PRESET_LOSSLESS_HP_GUID, 2, TUNE_LOSSLESS}};
#pragma GCC diagnostic pop
  return presets;
}

// 11.1's NV_ENC_INITIALIZE_PARAMS has no bufferFormat, its caps end at
// NV_ENC_CAPS_SINGLE_SLICE_INTRA_REFRESH, its NV_ENC_LOCK_BITSTREAM has no frameIdxDisplay and its
// function list no nvEncRestoreEncoderState / nvEncLookaheadPicture.
void readInitParamsOfThisAbi(const NV_ENC_INITIALIZE_PARAMS&, EncodeConfig&) {}
bool capOfThisAbi(int, int*) { return false; }
void fillLockOfThisAbi(NV_ENC_LOCK_BITSTREAM&, const LockOut&) {}
// The state-restore and lookahead structs arrived with the 12.x header.
uint32_t featureStructVersionOfThisAbi(FeatureStruct) { return 0; }
void fillFunctionsOfThisAbi(NV_ENCODE_API_FUNCTION_LIST*) {}

}  // namespace abi_11_1

const AbiOps* const kAbi_11_1 = &abi_11_1::kOps;

void fillFunctionList_11_1(void* list) {
  auto* fl = (NV_ENCODE_API_FUNCTION_LIST*)list;
  abi_11_1::fillCommonFunctions(fl);
  abi_11_1::fillFunctionsOfThisAbi(fl);
}

}  // namespace nvsoft
