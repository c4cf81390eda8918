#pragma once
// Every difference between the NVENC ABIs this addon is built for lives here; the rest of the
// code is identical for each nvenc_<abi>.node. Each build includes its own nvEncodeAPI.h (the
// include path picks the ABI), so this file only answers questions the headers cannot.
#include <ffnvcodec/nvEncodeAPI.h>

#include <cstdint>
#include <type_traits>

namespace nvenc::abi {

constexpr unsigned kMajor = NVENCAPI_MAJOR_VERSION;
constexpr unsigned kMinor = NVENCAPI_MINOR_VERSION;

// AV1 encoding arrived with NVENC API 12.0.
constexpr bool kHasAv1 = kMajor >= 12;

// Later headers turned some uint32_t VUI/config fields into enums; assigning through this keeps
// one spelling for every ABI.
template <typename Field, typename Value>
inline void assign(Field& field, Value value) {
  field = static_cast<std::remove_reference_t<Field>>(value);
}

// The AV1 codec GUID, or an all-zero GUID for ABIs without AV1 (never a valid codec GUID).
inline GUID av1CodecGuid() {
#if NVENCAPI_MAJOR_VERSION >= 12
  return NV_ENC_CODEC_AV1_GUID;
#else
  return GUID{};
#endif
}

inline GUID av1MainProfileGuid() {
#if NVENCAPI_MAJOR_VERSION >= 12
  return NV_ENC_AV1_PROFILE_MAIN_GUID;
#else
  return GUID{};
#endif
}

// What the session asks of an AV1 stream; H.273 colour codes as in the H.264/HEVC VUI.
struct Av1Settings {
  uint32_t idrPeriod = 0;
  bool repeatSequenceHeader = false;
  bool tenBit = false;
  bool colourPresent = false;
  uint32_t primaries = 2, transfer = 2, matrix = 2;
  bool fullRange = false;
};

// Fills config.encodeCodecConfig.av1Config. Returns false when this ABI has no AV1.
inline bool configureAv1(NV_ENC_CONFIG& config, const Av1Settings& s) {
#if NVENCAPI_MAJOR_VERSION >= 12
  NV_ENC_CONFIG_AV1& av1 = config.encodeCodecConfig.av1Config;
  av1.idrPeriod = s.idrPeriod;
  av1.repeatSeqHdr = s.repeatSequenceHeader ? 1 : 0;
  av1.chromaFormatIDC = 1;
  av1.outputAnnexBFormat = 0;  // low-overhead OBU stream (what .obu / WebCodecs expect)
  av1.inputPixelBitDepthMinus8 = s.tenBit ? 2 : 0;
  av1.pixelBitDepthMinus8 = s.tenBit ? 2 : 0;
  if (s.colourPresent) {
    assign(av1.colorPrimaries, s.primaries);
    assign(av1.transferCharacteristics, s.transfer);
    assign(av1.matrixCoefficients, s.matrix);
  }
  av1.colorRange = s.fullRange ? 1 : 0;
  return true;
#else
  (void)config;
  (void)s;
  return false;
#endif
}

// Attaches metadata OBUs to an AV1 picture. Returns false when this ABI has no AV1.
inline bool setAv1MetadataObus(NV_ENC_PIC_PARAMS& pic, NV_ENC_SEI_PAYLOAD* payloads, uint32_t count) {
#if NVENCAPI_MAJOR_VERSION >= 12
  pic.codecPicParams.av1PicParams.obuPayloadArray = payloads;
  pic.codecPicParams.av1PicParams.obuPayloadArrayCnt = count;
  return true;
#else
  (void)pic;
  (void)payloads;
  (void)count;
  return false;
#endif
}

}  // namespace nvenc::abi
