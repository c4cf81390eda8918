// The codec, profile, preset and input-format lists the device reports, and GUID -> core enum.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

Codec codecOf(const GUID& g) {
  if (eq(g, NV_ENC_CODEC_H264_GUID)) return Codec::H264;
  if (eq(g, NV_ENC_CODEC_HEVC_GUID)) return Codec::HEVC;
  const GUID* av1 = av1CodecGuid();
  if (av1 && eq(g, *av1)) return Codec::AV1;
  return Codec::None;
}

std::vector<GUID> codecList() {
  std::vector<GUID> v;
  bool nul = nullEngineSelected();
  if (nul || encoderAvailable(Codec::H264)) v.push_back(NV_ENC_CODEC_H264_GUID);
  if (nul || encoderAvailable(Codec::HEVC)) v.push_back(NV_ENC_CODEC_HEVC_GUID);
  const GUID* av1 = av1CodecGuid();
  if (av1 && !nul && encoderAvailable(Codec::AV1)) v.push_back(*av1);
  return v;
}

bool codecSupported(const GUID& g) {
  for (auto& c : codecList())
    if (eq(c, g)) return true;
  return false;
}

std::vector<GUID> profileList(Codec c) {
  switch (c) {
    case Codec::H264:
      return {NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID, NV_ENC_H264_PROFILE_BASELINE_GUID, NV_ENC_H264_PROFILE_MAIN_GUID,
              NV_ENC_H264_PROFILE_HIGH_GUID, NV_ENC_H264_PROFILE_HIGH_444_GUID};
    case Codec::HEVC:
      return {NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID, NV_ENC_HEVC_PROFILE_MAIN_GUID, NV_ENC_HEVC_PROFILE_MAIN10_GUID,
              NV_ENC_HEVC_PROFILE_FREXT_GUID};
    case Codec::AV1: return av1Profiles();
    default: return {};
  }
}

bool profileOf(Codec c, const GUID& g, Profile* out) {
  if (eq(g, NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID)) {
    *out = Profile::Auto;
    return true;
  }
  if (c == Codec::H264) {
    if (eq(g, NV_ENC_H264_PROFILE_BASELINE_GUID)) {
      *out = Profile::H264Baseline;
      return true;
    }
    if (eq(g, NV_ENC_H264_PROFILE_MAIN_GUID)) {
      *out = Profile::H264Main;
      return true;
    }
    if (eq(g, NV_ENC_H264_PROFILE_HIGH_GUID) || eq(g, NV_ENC_H264_PROFILE_PROGRESSIVE_HIGH_GUID) ||
        eq(g, NV_ENC_H264_PROFILE_CONSTRAINED_HIGH_GUID)) {
      *out = Profile::H264High;
      return true;
    }
    if (eq(g, NV_ENC_H264_PROFILE_HIGH_444_GUID)) {
      *out = Profile::H264High444;
      return true;
    }
  } else if (c == Codec::HEVC) {
    if (eq(g, NV_ENC_HEVC_PROFILE_MAIN_GUID)) {
      *out = Profile::HEVCMain;
      return true;
    }
    if (eq(g, NV_ENC_HEVC_PROFILE_MAIN10_GUID)) {
      *out = Profile::HEVCMain10;
      return true;
    }
    if (eq(g, NV_ENC_HEVC_PROFILE_FREXT_GUID)) {
      *out = Profile::HEVCFrext;
      return true;
    }
  } else if (c == Codec::AV1) {
    return av1ProfileOf(g, out);
  }
  return false;
}

const GUID kPresets[7] = {NV_ENC_PRESET_P1_GUID, NV_ENC_PRESET_P2_GUID, NV_ENC_PRESET_P3_GUID, NV_ENC_PRESET_P4_GUID,
                          NV_ENC_PRESET_P5_GUID, NV_ENC_PRESET_P6_GUID, NV_ENC_PRESET_P7_GUID};

// The GUIDs nvEncGetEncodePresetGUIDs reports: P1..P7, then the legacy ones of this ABI.
std::vector<GUID> presetList() {
  std::vector<GUID> v(kPresets, kPresets + 7);
  for (const LegacyPreset& l : legacyPresets()) v.push_back(*l.g);
  return v;
}

// preset -> 1..7 (P1..P7); legacy presets carry an implied tuning.
bool presetOf(const GUID& g, int* preset, int* impliedTuning) {
  *impliedTuning = TUNE_UNDEFINED;
  for (int i = 0; i < 7; i++)
    if (eq(g, kPresets[i])) {
      *preset = i + 1;
      return true;
    }
  for (const LegacyPreset& l : legacyPresets())
    if (eq(g, *l.g)) {
      *preset = l.p;
      *impliedTuning = l.t;
      return true;
    }
  return false;
}

const uint32_t kFormats[] = {
    NV_ENC_BUFFER_FORMAT_NV12,   NV_ENC_BUFFER_FORMAT_YV12,         NV_ENC_BUFFER_FORMAT_IYUV,
    NV_ENC_BUFFER_FORMAT_YUV444, NV_ENC_BUFFER_FORMAT_YUV420_10BIT, NV_ENC_BUFFER_FORMAT_YUV444_10BIT,
    NV_ENC_BUFFER_FORMAT_ARGB,   NV_ENC_BUFFER_FORMAT_ARGB10,       NV_ENC_BUFFER_FORMAT_AYUV,
    NV_ENC_BUFFER_FORMAT_ABGR,   NV_ENC_BUFFER_FORMAT_ABGR10};
std::vector<uint32_t> formatList(Codec c) {
  std::vector<uint32_t> v;
  for (uint32_t f : kFormats) {
    if (c == Codec::AV1 &&
        (f == NV_ENC_BUFFER_FORMAT_YUV444 || f == NV_ENC_BUFFER_FORMAT_YUV444_10BIT || f == NV_ENC_BUFFER_FORMAT_AYUV))
      continue;
    if (c == Codec::H264 && (f == NV_ENC_BUFFER_FORMAT_YUV420_10BIT || f == NV_ENC_BUFFER_FORMAT_YUV444_10BIT ||
                             f == NV_ENC_BUFFER_FORMAT_ARGB10 || f == NV_ENC_BUFFER_FORMAT_ABGR10))
      continue;
    v.push_back(f);
  }
  return v;
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
