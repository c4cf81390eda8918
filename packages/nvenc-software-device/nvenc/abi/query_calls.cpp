// nvEncGetEncodeGUIDs, profiles, input formats and presets: the enumeration calls.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

Status getEncodeGUIDCount(Session* s, uint32_t* n) {
  if (!n) return s->fail(ST_INVALID_PTR, "encodeGUIDCount is NULL");
  *n = (uint32_t)codecList().size();
  return ST_SUCCESS;
}

Status copyGuids(Session* s, const std::vector<GUID>& v, void* out, uint32_t size, uint32_t* count, const char* what) {
  if (!out || !count) return s->fail(ST_INVALID_PTR, std::string(what) + ": output array or count is NULL");
  uint32_t n = std::min<uint32_t>(size, (uint32_t)v.size());
  memcpy(out, v.data(), n * sizeof(GUID));
  *count = n;
  if (size < v.size())
    return s->fail(ST_INVALID_PARAM,
                   std::string(what) + ": array too small for " + std::to_string(v.size()) + " GUIDs");
  return ST_SUCCESS;
}

Status getEncodeGUIDs(Session* s, void* g, uint32_t size, uint32_t* count) {
  return copyGuids(s, codecList(), g, size, count, "nvEncGetEncodeGUIDs");
}

Status getProfileGUIDCount(Session* s, const void* cg, uint32_t* n) {
  NEED_CODEC(cg);
  if (!n) return s->fail(ST_INVALID_PTR, "encodeProfileGUIDCount is NULL");
  *n = (uint32_t)profileList(codec).size();
  return ST_SUCCESS;
}
Status getProfileGUIDs(Session* s, const void* cg, void* g, uint32_t size, uint32_t* count) {
  NEED_CODEC(cg);
  return copyGuids(s, profileList(codec), g, size, count, "nvEncGetEncodeProfileGUIDs");
}

Status getInputFormatCount(Session* s, const void* cg, uint32_t* n) {
  NEED_CODEC(cg);
  if (!n) return s->fail(ST_INVALID_PTR, "inputFmtCount is NULL");
  *n = (uint32_t)formatList(codec).size();
  return ST_SUCCESS;
}
Status getInputFormats(Session* s, const void* cg, uint32_t* f, uint32_t size, uint32_t* count) {
  NEED_CODEC(cg);
  if (!f || !count) return s->fail(ST_INVALID_PTR, "nvEncGetInputFormats: output array or count is NULL");
  auto v = formatList(codec);
  uint32_t n = std::min<uint32_t>(size, (uint32_t)v.size());
  std::copy(v.begin(), v.begin() + n, f);
  *count = n;
  if (size < v.size()) return s->fail(ST_INVALID_PARAM, "nvEncGetInputFormats: array too small");
  return ST_SUCCESS;
}

Status getPresetCount(Session* s, const void* cg, uint32_t* n) {
  NEED_CODEC(cg);
  (void)codec;
  if (!n) return s->fail(ST_INVALID_PTR, "encodePresetGUIDCount is NULL");
  *n = (uint32_t)presetList().size();
  return ST_SUCCESS;
}
Status getPresetGUIDs(Session* s, const void* cg, void* g, uint32_t size, uint32_t* count) {
  NEED_CODEC(cg);
  (void)codec;
  return copyGuids(s, presetList(), g, size, count, "nvEncGetEncodePresetGUIDs");
}

Status presetConfig(Session* s, const void* cg, const void* pg, int tuning, void* cfg, bool ex) {
  NEED_CODEC(cg);
  const char* fn = ex ? "nvEncGetEncodePresetConfigEx" : "nvEncGetEncodePresetConfig";
  auto* p = (NV_ENC_PRESET_CONFIG*)cfg;
  if (!p) return s->fail(ST_INVALID_PTR, std::string(fn) + ": presetConfig is NULL");
  CHECK_VER(p, NV_ENC_PRESET_CONFIG_VER, fn);
  if (p->presetCfg.version != sessionVer(s, NV_ENC_CONFIG_VER))
    return s->fail(ST_INVALID_VERSION, std::string(fn) +
                                           ": presetCfg.version is not NV_ENC_CONFIG_VER of the session's API " +
                                           apiText(s->apiVersion));
  int preset = 0, implied = TUNE_UNDEFINED;
  if (!presetOf(G(pg), &preset, &implied))
    return s->fail(ST_INVALID_PARAM,
                   std::string(fn) + ": presetGUID is not a preset reported by nvEncGetEncodePresetGUIDs");
  // NVIDIA's header: "NvEncGetEncodePresetConfig() API is not applicable to AV1."
  if (!ex && codec == Codec::AV1)
    return s->fail(ST_UNSUPPORTED_PARAM, std::string(fn) +
                                             " is not applicable to AV1 (NVIDIA's header): use "
                                             "nvEncGetEncodePresetConfigEx");
  if (!ex) tuning = implied != TUNE_UNDEFINED ? implied : TUNE_HQ;
  if (tuning < TUNE_HQ || tuning > TUNE_LOSSLESS)
    return s->fail(ST_INVALID_PARAM, std::string(fn) + ": tuningInfo " + std::to_string(tuning) + " is not valid");
  fillPresetConfig(codec, preset, tuning, &p->presetCfg);
  return ST_SUCCESS;
}
Status getPresetConfig(Session* s, const void* cg, const void* pg, void* cfg) {
  return presetConfig(s, cg, pg, TUNE_HQ, cfg, false);
}
Status getPresetConfigEx(Session* s, const void* cg, const void* pg, int tuning, void* cfg) {
  return presetConfig(s, cg, pg, tuning, cfg, true);
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
