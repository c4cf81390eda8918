// The per-ABI adapter: translates one NVIDIA header's structs into the ABI-neutral core types
// (core.hpp) and back. Every .cpp in this folder is compiled once per supported header, with that
// header's directory on the include path and NVSOFT_ABI_NS (abi_11_1 / abi_12_1) and
// NVSOFT_ABI_TAG ("11.1" / "12.1") defined by CMake, so each copy lives in its own namespace.
// What one ABI has and the other lacks is declared at the end and defined only in
// abi_11_1.cpp / abi_12_1.cpp: the shared files carry no #if on the header version.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <ffnvcodec/nvEncodeAPI.h>

#include "core.hpp"

#ifndef NVSOFT_ABI_NS
#error "NVSOFT_ABI_NS must name the ABI this copy is compiled for (set by nvenc/CMakeLists.txt)"
#endif

namespace nvsoft {
namespace NVSOFT_ABI_NS {

inline bool eq(const GUID& a, const GUID& b) { return memcmp(&a, &b, sizeof(GUID)) == 0; }
inline const GUID& G(const void* p) { return *(const GUID*)p; }
// An enum field exactly as the client stored it. A C client may store any 32-bit value there, and
// loading one outside the enum's range as the enum type is undefined behaviour in C++.
template <typename E>
inline uint32_t raw(const E& field) {
  static_assert(sizeof(E) == sizeof(uint32_t), "32-bit enum field");
  uint32_t v;
  memcpy(&v, &field, sizeof v);
  return v;
}

// ---- GUID tables (guid_tables.cpp) ----
Codec codecOf(const GUID& g);
std::vector<GUID> codecList();
bool codecSupported(const GUID& g);
std::vector<GUID> profileList(Codec c);
bool profileOf(Codec c, const GUID& g, Profile* out);
std::vector<GUID> presetList();
bool presetOf(const GUID& g, int* preset, int* impliedTuning);
std::vector<uint32_t> formatList(Codec c);

// ---- struct versions (struct_versions.cpp) ----
uint32_t sessionVer(const Session* s, uint32_t headerVer);
std::string hex(uint32_t v);
std::string apiText(uint32_t api);

#define CHECK_VER(p, VER, what)                                                                                  \
  do {                                                                                                           \
    if ((p)->version != sessionVer(s, VER))                                                                      \
      return s->fail(ST_INVALID_VERSION, std::string(what) + ": struct version 0x" + hex((p)->version) +         \
                                             " is not " #VER " of the session's API " + apiText(s->apiVersion) + \
                                             " (0x" + hex(sessionVer(s, VER)) + ")");                            \
  } while (0)

#define NEED_CODEC(codecPtr)                                                                                \
  if (!codecSupported(G(codecPtr)))                                                                         \
    return s->fail(ST_INVALID_PARAM, "encodeGUID is not one of the GUIDs reported by nvEncGetEncodeGUIDs"); \
  Codec codec = codecOf(G(codecPtr))

// ---- configuration translation (config_translate.cpp) ----
void fillPresetConfig(Codec codec, int preset, int tuning, NV_ENC_CONFIG* c);
Status translateInit(Session* s, const NV_ENC_INITIALIZE_PARAMS* p, EncodeConfig* out);

// ---- the AbiOps entries (query_calls, encode_caps, session_calls, resource_calls, bitstream_calls) ----
Status copyGuids(Session* s, const std::vector<GUID>& v, void* out, uint32_t size, uint32_t* count, const char* what);
Status openSession(void* params, void** encoder);
Status getEncodeGUIDCount(Session* s, uint32_t* n);
Status getEncodeGUIDs(Session* s, void* g, uint32_t size, uint32_t* count);
Status getProfileGUIDCount(Session* s, const void* cg, uint32_t* n);
Status getProfileGUIDs(Session* s, const void* cg, void* g, uint32_t size, uint32_t* count);
Status getInputFormatCount(Session* s, const void* cg, uint32_t* n);
Status getInputFormats(Session* s, const void* cg, uint32_t* f, uint32_t size, uint32_t* count);
Status getEncodeCaps(Session* s, const void* cg, void* cp, int* val);
Status getPresetCount(Session* s, const void* cg, uint32_t* n);
Status getPresetGUIDs(Session* s, const void* cg, void* g, uint32_t size, uint32_t* count);
Status getPresetConfig(Session* s, const void* cg, const void* pg, void* cfg);
Status getPresetConfigEx(Session* s, const void* cg, const void* pg, int tuning, void* cfg);
Status initialize(Session* s, void* params);
Status reconfigure(Session* s, void* params);
Status createInputBuffer(Session* s, void* params);
Status createBitstreamBuffer(Session* s, void* params);
Status encodePicture(Session* s, void* params);
Status lockBitstream(Session* s, void* params);
Status lockInputBuffer(Session* s, void* params);
Status getSequenceParams(Session* s, void* params);
Status registerResource(Session* s, void* params);
Status mapInputResource(Session* s, void* params);
Status getEncodeStats(Session* s, void* params);
Status getSequenceParamEx(Session* s, void* initParams, void* payload);
uint32_t featureStructVersion(const Session* s, FeatureStruct which);
extern const AbiOps kOps;
// The function-list entries every ABI has (function_list.cpp).
void fillCommonFunctions(NV_ENCODE_API_FUNCTION_LIST* fl);

// ---- what differs between the ABIs (abi_11_1.cpp / abi_12_1.cpp) ----
// AV1 exists from the 12.x header on; an ABI without it returns nullptr / nothing / false.
const GUID* av1CodecGuid();
std::vector<GUID> av1Profiles();
bool av1ProfileOf(const GUID& g, Profile* out);
void fillAv1PresetConfig(NV_ENC_CONFIG* c, uint32_t idrPeriod);
void readAv1Config(const NV_ENC_CONFIG& cfg, EncodeConfig& c);
// Deprecated presets this ABI still accepts and enumerates; each maps to a P-preset (p) with an
// implied tuning (t).
struct LegacyPreset {
  const GUID* g;
  int p, t;
};
const std::vector<LegacyPreset>& legacyPresets();
// NV_ENC_INITIALIZE_PARAMS fields only this ABI has.
void readInitParamsOfThisAbi(const NV_ENC_INITIALIZE_PARAMS& p, EncodeConfig& c);
// NV_ENC_CAPS values only this ABI defines; false for a value it does not know.
bool capOfThisAbi(int cap, int* value);
// NV_ENC_LOCK_BITSTREAM fields only this ABI has.
void fillLockOfThisAbi(NV_ENC_LOCK_BITSTREAM& p, const LockOut& o);
// *_VER of the feature structs only this ABI has; 0 for the others.
uint32_t featureStructVersionOfThisAbi(FeatureStruct which);
// NV_ENCODE_API_FUNCTION_LIST entries only this ABI has.
void fillFunctionsOfThisAbi(NV_ENCODE_API_FUNCTION_LIST* fl);

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft

// The trampolines have the same calling convention as the header types (GUID <-> tramp::Guid).
#define NVSOFT_SET_ENTRY(fl, field, fn) \
  (fl)->field = reinterpret_cast<decltype((fl)->field)>(reinterpret_cast<void (*)()>(&::nvsoft::tramp::fn))
