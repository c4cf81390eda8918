// Registered CUDA surfaces and their mappings (nvEncRegister/Unregister/Map/UnmapInputResource).
#include "core.hpp"
#include "cuda_bridge.hpp"
#include "session_internal.hpp"

namespace nvsoft {

Status coreRegister(Session* s, int type, void* res, uint32_t w, uint32_t h, uint32_t pitch, uint32_t fmt, int usage,
                    Registration** out) {
  if (Status ni = requireInitialized(s, "nvEncRegisterResource")) return ni;
  if (type == 2)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "NV_ENC_INPUT_RESOURCE_TYPE_CUDAARRAY is not supported by the software device; register a "
                   "CUdeviceptr with pitch");
  if (type != 1)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "resourceType " + std::to_string(type) +
                       " is not supported in a CUDA session (use NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR)");
  if (usage != 0) return s->fail(ST_UNSUPPORTED_PARAM, "only bufferUsage NV_ENC_INPUT_IMAGE is supported");
  if (!res) return s->fail(ST_INVALID_PTR, "resourceToRegister is NULL");
  if (!bufFmtSupported(fmt))
    return s->fail(ST_INVALID_PARAM, std::string("bufferFormat ") + bufFmtName(fmt) + " is not supported");
  if (w == 0 || h == 0 || w > kMaxDim || h > kMaxDim) return s->fail(ST_INVALID_PARAM, "resource size must be 1..4096");
  PlaneLayout L;
  if (!planeLayout(fmt, w, h, pitch, &L))
    return s->fail(ST_INVALID_PARAM, "pitch " + std::to_string(pitch) + " is smaller than a row of " +
                                         std::to_string(w) + " " + bufFmtName(fmt) + " pixels");
  Status f = faultFor("register", 1);
  if (f != ST_SUCCESS)
    return s->fail(f, std::string("fault injected by NVENC_SOFT_FAULT (register): ") + statusName(f));
  uint64_t dptr = (uint64_t)(uintptr_t)res, base = 0;
  size_t size = 0;
  int r = s->cuda->addressRange(s->cuContext, dptr, &base, &size);
  if (r == -2) {
    // libcuda without cuMemGetAddressRange: cannot bounds-check
  } else if (r != 0) {
    return s->fail(ST_RESOURCE_REGISTER_FAILED,
                   "resourceToRegister is not CUDA device memory of the session's context (cuMemGetAddressRange: " +
                       s->cuda->errorText(r) + ")");
  } else if (dptr + L.total > base + size) {
    return s->fail(ST_RESOURCE_REGISTER_FAILED, "surface " + std::to_string(w) + "x" + std::to_string(h) + " " +
                                                    bufFmtName(fmt) + " pitch " + std::to_string(pitch) + " needs " +
                                                    std::to_string(L.total) + " bytes but the allocation holds only " +
                                                    std::to_string(base + size - dptr) + " from that address");
  }
  auto* reg = new Registration();
  reg->devicePtr = dptr;
  reg->fmt = fmt;
  reg->width = w;
  reg->height = h;
  reg->pitch = pitch;
  reg->bytes = L.total;
  s->regs.insert(reg);
  *out = reg;
  return ST_SUCCESS;
}

Status coreUnregister(Session* s, void* p) {
  if (Status ni = requireInitialized(s, "nvEncUnregisterResource")) return ni;
  if (!p) return s->fail(ST_INVALID_PTR, "registeredResource is NULL");
  auto* r = (Registration*)p;
  if (!s->regs.count(r)) return s->fail(ST_RESOURCE_NOT_REGISTERED, "resource is not registered with this session");
  if (r->mapCount > 0) return s->fail(ST_INVALID_CALL, "resource is still mapped: call nvEncUnmapInputResource first");
  s->regs.erase(r);
  delete r;
  return ST_SUCCESS;
}

Status coreMap(Session* s, void* p, Mapping** out, uint32_t* fmt) {
  if (Status ni = requireInitialized(s, "nvEncMapInputResource")) return ni;
  if (!p) return s->fail(ST_INVALID_PTR, "registeredResource is NULL");
  auto* r = (Registration*)p;
  if (!s->regs.count(r))
    return s->fail(ST_RESOURCE_NOT_REGISTERED, "registeredResource is not registered with this session");
  auto* m = new Mapping();
  m->reg = r;
  r->mapCount++;
  s->maps.insert(m);
  *out = m;
  *fmt = r->fmt;
  return ST_SUCCESS;
}

Status coreUnmap(Session* s, void* p) {
  if (Status ni = requireInitialized(s, "nvEncUnmapInputResource")) return ni;
  if (!p) return s->fail(ST_INVALID_PTR, "mappedInputBuffer is NULL");
  auto* m = (Mapping*)p;
  if (!s->maps.count(m))
    return s->fail(ST_RESOURCE_NOT_MAPPED, "mappedInputBuffer is not a currently mapped resource of this session");
  if (s->regs.count(m->reg)) m->reg->mapCount--;
  s->maps.erase(m);
  delete m;
  return ST_SUCCESS;
}

}  // namespace nvsoft
