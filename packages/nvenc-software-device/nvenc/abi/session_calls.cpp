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
  if (!r.encodeConfig) {
    // No encodeConfig keeps the session's encode configuration and changes only what
    // NV_ENC_INITIALIZE_PARAMS itself carries (FFmpeg reconfigures the display aspect ratio so);
    // the preset's defaults stand in for a missing config at initialization only.
    EncodeConfig kept = s->cfg;
    kept.gopLength = s->initGopLength;
    kept.frameIntervalP = s->initFrameIntervalP;
    kept.width = c.width;
    kept.height = c.height;
    kept.darW = c.darW;
    kept.darH = c.darH;
    kept.fpsNum = c.fpsNum;
    kept.fpsDen = c.fpsDen;
    kept.weightedPrediction = c.weightedPrediction;
    kept.reportSliceOffsets = c.reportSliceOffsets;
    c = kept;
  }
  return coreReconfigure(s, c, p->resetEncoder, p->forceIDR);
}

// The checks of an NV_ENC_SEQUENCE_PARAM_PAYLOAD both sequence-parameter calls make.
static Status checkPayload(Session* s, const NV_ENC_SEQUENCE_PARAM_PAYLOAD* p, const std::string& fn) {
  if (!p) return s->fail(ST_INVALID_PTR, fn + ": sequenceParamPayload is NULL");
  CHECK_VER(p, NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER, fn);
  if (!p->spsppsBuffer || !p->outSPSPPSPayloadSize)
    return s->fail(ST_INVALID_PTR, fn + ": spsppsBuffer or outSPSPPSPayloadSize is NULL");
  return ST_SUCCESS;
}
static Status fillPayload(Session* s, NV_ENC_SEQUENCE_PARAM_PAYLOAD* p, const std::vector<uint8_t>& ps,
                          const std::string& fn) {
  if (p->inBufferSize < ps.size())
    return s->fail(ST_NOT_ENOUGH_BUFFER, fn + ": inBufferSize " + std::to_string(p->inBufferSize) + " < " +
                                             std::to_string(ps.size()) + " bytes of parameter sets");
  memcpy(p->spsppsBuffer, ps.data(), ps.size());
  *p->outSPSPPSPayloadSize = (uint32_t)ps.size();
  return ST_SUCCESS;
}

Status getSequenceParams(Session* s, void* params) {
  auto* p = (NV_ENC_SEQUENCE_PARAM_PAYLOAD*)params;
  if (Status st = checkPayload(s, p, "nvEncGetSequenceParams")) return st;
  std::vector<uint8_t> ps;
  if (Status st = coreSequenceParams(s, &ps)) return st;
  return fillPayload(s, p, ps, "nvEncGetSequenceParams");
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
  const char* fn = "nvEncGetSequenceParamEx";
  auto* ip = (NV_ENC_INITIALIZE_PARAMS*)initParams;
  auto* p = (NV_ENC_SEQUENCE_PARAM_PAYLOAD*)payload;
  if (!ip)
    return s->fail(ST_INVALID_PTR, "nvEncGetSequenceParamEx: encInitParams is NULL before nvEncInitializeEncoder");
  CHECK_VER(ip, NV_ENC_INITIALIZE_PARAMS_VER, "nvEncGetSequenceParamEx (encInitParams)");
  if (Status st = checkPayload(s, p, fn)) return st;
  EncodeConfig c;
  if (Status st = translateInit(s, ip, &c)) return st;
  std::vector<uint8_t> ps;
  if (Status st = coreSequenceParamsFor(s, c, &ps)) return st;
  return fillPayload(s, p, ps, fn);
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
