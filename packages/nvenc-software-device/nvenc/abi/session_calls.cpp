// Session-level calls: open, initialize, reconfigure, sequence parameters, stats.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

// ---------------------------------------------------------------------------------------------
Status openSession(void* params, void** encoder) {
  auto* p = (NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS*)params;
  uint32_t api = p->apiVersion;
  uint32_t maxApi = maxApiVersion();
  auto apiKey = [](uint32_t v) { return ((v & 0xffff) << 4) | ((v >> 24) & 0xf); };
  if (apiKey(api) > apiKey(maxApi)) {
    setGlobalError("nvEncOpenEncodeSessionEx: apiVersion " + std::to_string(api & 0xffff) + "." +
                   std::to_string((api >> 24) & 0xf) + " is newer than the driver's maximum (NVENC_SOFT_MAX_API " +
                   std::to_string(maxApi & 0xffff) + "." + std::to_string((maxApi >> 24) & 0xf) + ")");
    return ST_INVALID_VERSION;
  }
  if (p->version != ((NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER & ~0x0F00FFFFu) | api) ||
      (api & 0xffff) != NVENCAPI_MAJOR_VERSION) {
    setGlobalError(
        "nvEncOpenEncodeSessionEx: apiVersion and params->version disagree (struct layout of API " NVSOFT_ABI_TAG ")");
    return ST_INVALID_VERSION;
  }
  Session* s = nullptr;
  std::string err;
  Status st = sessionOpen(&kOps, api, (int)raw(p->deviceType), p->device, &s, err);
  if (st != ST_SUCCESS) {
    setGlobalError("nvEncOpenEncodeSessionEx: " + err);
    return st;
  }
  *encoder = s;
  return ST_SUCCESS;
}

Status initialize(Session* s, void* params) {
  auto* p = (NV_ENC_INITIALIZE_PARAMS*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncInitializeEncoder: params is NULL");
  CHECK_VER(p, NV_ENC_INITIALIZE_PARAMS_VER, "nvEncInitializeEncoder");
  if (s->initialized) return s->fail(ST_INVALID_CALL, "nvEncInitializeEncoder was already called for this session");
  EncodeConfig c;
  Status st = translateInit(s, p, &c);
  if (st != ST_SUCCESS) return st;
  return coreInitialize(s, c);
}

Status reconfigure(Session* s, void* params) {
  auto* p = (NV_ENC_RECONFIGURE_PARAMS*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncReconfigureEncoder: params is NULL");
  CHECK_VER(p, NV_ENC_RECONFIGURE_PARAMS_VER, "nvEncReconfigureEncoder");
  CHECK_VER(&p->reInitEncodeParams, NV_ENC_INITIALIZE_PARAMS_VER, "nvEncReconfigureEncoder (reInitEncodeParams)");
  if (Status ni = requireInitialized(s, "nvEncReconfigureEncoder")) return ni;
  const NV_ENC_INITIALIZE_PARAMS& r = p->reInitEncodeParams;
  // 0 keeps the maximum; anything else must be what initialization settled on.
  if ((r.maxEncodeWidth && r.maxEncodeWidth != s->cfg.maxEncodeWidth) ||
      (r.maxEncodeHeight && r.maxEncodeHeight != s->cfg.maxEncodeHeight))
    return s->fail(ST_UNSUPPORTED_PARAM, "nvEncReconfigureEncoder cannot change maxEncodeWidth/maxEncodeHeight (" +
                                             std::to_string(r.maxEncodeWidth) + "x" +
                                             std::to_string(r.maxEncodeHeight) + "; initialized with " +
                                             std::to_string(s->cfg.maxEncodeWidth) + "x" +
                                             std::to_string(s->cfg.maxEncodeHeight) + ")");
  EncodeConfig c;
  Status st = translateInit(s, &r, &c);
  if (st != ST_SUCCESS) return st;
  return coreReconfigure(s, c, p->resetEncoder, p->forceIDR);
}

Status getSequenceParams(Session* s, void* params) {
  auto* p = (NV_ENC_SEQUENCE_PARAM_PAYLOAD*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncGetSequenceParams: params is NULL");
  CHECK_VER(p, NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER, "nvEncGetSequenceParams");
  if (!p->spsppsBuffer || !p->outSPSPPSPayloadSize)
    return s->fail(ST_INVALID_PTR, "nvEncGetSequenceParams: spsppsBuffer or outSPSPPSPayloadSize is NULL");
  std::vector<uint8_t> ps;
  Status st = coreSequenceParams(s, &ps);
  if (st != ST_SUCCESS) return st;
  if (p->inBufferSize < ps.size())
    return s->fail(ST_NOT_ENOUGH_BUFFER, "nvEncGetSequenceParams: inBufferSize " + std::to_string(p->inBufferSize) +
                                             " < " + std::to_string(ps.size()) + " bytes of parameter sets");
  memcpy(p->spsppsBuffer, ps.data(), ps.size());
  *p->outSPSPPSPayloadSize = (uint32_t)ps.size();
  return ST_SUCCESS;
}

Status getEncodeStats(Session* s, void* params) {
  auto* p = (NV_ENC_STAT*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncGetEncodeStats: params is NULL");
  CHECK_VER(p, NV_ENC_STAT_VER, "nvEncGetEncodeStats");
  if (Status ni = requireInitialized(s, "nvEncGetEncodeStats")) return ni;
  // NVIDIA's header: "This API is not supported when encode device type is CUDA".
  return s->fail(ST_UNSUPPORTED_PARAM,
                 "nvEncGetEncodeStats is not supported when the encode device type is CUDA (NVIDIA's header); the "
                 "statistics are in NV_ENC_LOCK_BITSTREAM");
}

Status getSequenceParamEx(Session* s, void* initParams, void* payload) {
  // "If encoder is already initialized ..., the provided NV_ENC_INITIALIZE_PARAMS structure is ignored."
  if (s->initialized) return getSequenceParams(s, payload);
  auto* ip = (NV_ENC_INITIALIZE_PARAMS*)initParams;
  auto* p = (NV_ENC_SEQUENCE_PARAM_PAYLOAD*)payload;
  if (!ip || !p)
    return s->fail(ST_INVALID_PTR,
                   "nvEncGetSequenceParamEx: encInitParams (needed before nvEncInitializeEncoder) or "
                   "sequenceParamPayload is NULL");
  CHECK_VER(ip, NV_ENC_INITIALIZE_PARAMS_VER, "nvEncGetSequenceParamEx (encInitParams)");
  CHECK_VER(p, NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER, "nvEncGetSequenceParamEx");
  if (!p->spsppsBuffer || !p->outSPSPPSPayloadSize)
    return s->fail(ST_INVALID_PTR, "nvEncGetSequenceParamEx: spsppsBuffer or outSPSPPSPayloadSize is NULL");
  EncodeConfig c;
  Status st = translateInit(s, ip, &c);
  if (st != ST_SUCCESS) return st;
  std::vector<uint8_t> ps;
  st = coreSequenceParamsFor(s, c, &ps);
  if (st != ST_SUCCESS) return st;
  if (p->inBufferSize < ps.size())
    return s->fail(ST_NOT_ENOUGH_BUFFER, "nvEncGetSequenceParamEx: inBufferSize " + std::to_string(p->inBufferSize) +
                                             " < " + std::to_string(ps.size()) + " bytes of parameter sets");
  memcpy(p->spsppsBuffer, ps.data(), ps.size());
  *p->outSPSPPSPayloadSize = (uint32_t)ps.size();
  return ST_SUCCESS;
}

const AbiOps kOps = {NVSOFT_ABI_TAG,        NVENCAPI_VERSION,    openSession,         getEncodeGUIDCount,
                     getEncodeGUIDs,        getProfileGUIDCount, getProfileGUIDs,     getInputFormatCount,
                     getInputFormats,       getEncodeCaps,       getPresetCount,      getPresetGUIDs,
                     getPresetConfig,       getPresetConfigEx,   initialize,          createInputBuffer,
                     createBitstreamBuffer, encodePicture,       lockBitstream,       lockInputBuffer,
                     getSequenceParams,     registerResource,    mapInputResource,    reconfigure,
                     getEncodeStats,        getSequenceParamEx,  featureStructVersion};

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
