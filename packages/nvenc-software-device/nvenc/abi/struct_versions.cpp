// Struct versions of a session, and the header numbering the core relies on.
// Compiled once per NVENC header (see adapter.hpp).
#include <cstring>
#include <string>

#include "adapter.hpp"

// The core's enums are NVENC's numbering (core.hpp): checked against every header.
static_assert((int)NV_ENC_SUCCESS == (int)nvsoft::ST_SUCCESS &&
                  (int)NV_ENC_ERR_INVALID_VERSION == (int)nvsoft::ST_INVALID_VERSION &&
                  (int)NV_ENC_ERR_NEED_MORE_INPUT == (int)nvsoft::ST_NEED_MORE_INPUT &&
                  (int)NV_ENC_ERR_RESOURCE_NOT_MAPPED == (int)nvsoft::ST_RESOURCE_NOT_MAPPED &&
                  (int)NV_ENC_ERR_OUT_OF_MEMORY == (int)nvsoft::ST_OUT_OF_MEMORY &&
                  (int)NV_ENC_ERR_ENCODER_NOT_INITIALIZED == (int)nvsoft::ST_ENCODER_NOT_INITIALIZED,
              "status numbering");
static_assert((uint32_t)NV_ENC_BUFFER_FORMAT_NV12 == (uint32_t)nvsoft::BF_NV12 &&
                  (uint32_t)NV_ENC_BUFFER_FORMAT_ARGB == (uint32_t)nvsoft::BF_ARGB &&
                  (uint32_t)NV_ENC_BUFFER_FORMAT_ABGR == (uint32_t)nvsoft::BF_ABGR &&
                  (uint32_t)NV_ENC_BUFFER_FORMAT_YUV420_10BIT == (uint32_t)nvsoft::BF_YUV420_10BIT &&
                  (uint32_t)NV_ENC_BUFFER_FORMAT_YUV444 == (uint32_t)nvsoft::BF_YUV444,
              "buffer formats");
static_assert((int)NV_ENC_PIC_TYPE_IDR == (int)nvsoft::PIC_IDR && (int)NV_ENC_PIC_TYPE_B == (int)nvsoft::PIC_B &&
                  (int)NV_ENC_PIC_FLAG_EOS == (int)nvsoft::PF_EOS &&
                  (int)NV_ENC_PIC_FLAG_FORCEIDR == (int)nvsoft::PF_FORCEIDR,
              "picture types/flags");
static_assert(sizeof(GUID) == sizeof(nvsoft::tramp::Guid), "GUID layout");

namespace nvsoft {
namespace NVSOFT_ABI_NS {

// NVENCAPI_STRUCT_VERSION(rev) = 0x7 << 28 | rev << 16 | major | minor << 24 (bit 31 on some
// structs): every struct carries the client's API version. A session takes this header's
// revisions under the API version it was opened with (11.0 clients get the 11.1 layouts; see
// api.cpp for which versions share a layout).
uint32_t sessionVer(const Session* s, uint32_t headerVer) { return (headerVer & ~0x0F00FFFFu) | s->apiVersion; }

uint32_t featureStructVersion(const Session* s, FeatureStruct which) {
  uint32_t ver = 0;
  switch (which) {
    case FeatureStruct::EventParams: ver = NV_ENC_EVENT_PARAMS_VER; break;
    case FeatureStruct::CreateMVBuffer: ver = NV_ENC_CREATE_MV_BUFFER_VER; break;
    case FeatureStruct::MEOnlyParams: ver = NV_ENC_MEONLY_PARAMS_VER; break;
    default: ver = featureStructVersionOfThisAbi(which);
  }
  return ver ? sessionVer(s, ver) : 0;
}

std::string hex(uint32_t v) {
  char b[16];
  snprintf(b, sizeof b, "%08x", v);
  return b;
}
std::string apiText(uint32_t api) { return std::to_string(api & 0xffff) + "." + std::to_string((api >> 24) & 0xf); }

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
