// Input resources: input buffers, registered CUDA surfaces and their mappings.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

Status createInputBuffer(Session* s, void* params) {
  auto* p = (NV_ENC_CREATE_INPUT_BUFFER*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncCreateInputBuffer: params is NULL");
  CHECK_VER(p, NV_ENC_CREATE_INPUT_BUFFER_VER, "nvEncCreateInputBuffer");
  InputBuffer* b = nullptr;
  Status st = coreCreateInputBuffer(s, p->width, p->height, raw(p->bufferFmt), &b);
  if (st == ST_SUCCESS) p->inputBuffer = b;
  return st;
}

Status lockInputBuffer(Session* s, void* params) {
  auto* p = (NV_ENC_LOCK_INPUT_BUFFER*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncLockInputBuffer: params is NULL");
  CHECK_VER(p, NV_ENC_LOCK_INPUT_BUFFER_VER, "nvEncLockInputBuffer");
  void* data = nullptr;
  uint32_t pitch = 0;
  Status st = coreLockInputBuffer(s, p->inputBuffer, &data, &pitch);
  if (st == ST_SUCCESS) {
    p->bufferDataPtr = data;
    p->pitch = pitch;
  }
  return st;
}

Status registerResource(Session* s, void* params) {
  auto* p = (NV_ENC_REGISTER_RESOURCE*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncRegisterResource: params is NULL");
  CHECK_VER(p, NV_ENC_REGISTER_RESOURCE_VER, "nvEncRegisterResource");
  Registration* r = nullptr;
  Status st = coreRegister(s, (int)raw(p->resourceType), p->resourceToRegister, p->width, p->height, p->pitch,
                           raw(p->bufferFormat), (int)raw(p->bufferUsage), &r);
  if (st == ST_SUCCESS) p->registeredResource = r;
  return st;
}

Status mapInputResource(Session* s, void* params) {
  auto* p = (NV_ENC_MAP_INPUT_RESOURCE*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncMapInputResource: params is NULL");
  CHECK_VER(p, NV_ENC_MAP_INPUT_RESOURCE_VER, "nvEncMapInputResource");
  Mapping* m = nullptr;
  uint32_t fmt = 0;
  Status st = coreMap(s, p->registeredResource, &m, &fmt);
  if (st == ST_SUCCESS) {
    p->mappedResource = m;
    p->mappedBufferFmt = (NV_ENC_BUFFER_FORMAT)fmt;
  }
  return st;
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
