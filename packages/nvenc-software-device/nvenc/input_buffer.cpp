// Host input buffers (nvEncCreate/Destroy/Lock/UnlockInputBuffer).
#include "core.hpp"
#include "session_internal.hpp"

namespace nvsoft {

Status coreCreateInputBuffer(Session* s, uint32_t w, uint32_t h, uint32_t fmt, InputBuffer** out) {
  if (Status ni = requireInitialized(s, "nvEncCreateInputBuffer")) return ni;
  if (!bufFmtSupported(fmt))
    return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(fmt) +
                                         " is not an input format reported by nvEncGetInputFormats");
  if (w == 0 || h == 0 || w > kMaxDim || h > kMaxDim)
    return s->fail(ST_INVALID_PARAM, "input buffer size must be 1..4096");
  auto* b = new InputBuffer();
  b->fmt = fmt;
  b->width = w;
  b->height = h;
  b->pitch = (minPitch(fmt, w) + 255) & ~(size_t)255;
  PlaneLayout L;
  planeLayout(fmt, w, h, b->pitch, &L);
  b->mem.assign(b->pitch * (L.rows[0] + (L.count > 1 ? L.rows[1] : 0) + (L.count > 2 ? L.rows[2] : 0)) + 256, 0);
  s->inputs.insert(b);
  *out = b;
  return ST_SUCCESS;
}

Status coreDestroyInputBuffer(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b))
    return s->fail(ST_INVALID_PARAM,
                   "inputBuffer was not created by nvEncCreateInputBuffer on this session (or was already destroyed)");
  s->inputs.erase(b);
  delete b;
  return ST_SUCCESS;
}

Status coreLockInputBuffer(Session* s, void* p, void** data, uint32_t* pitch) {
  if (Status ni = requireInitialized(s, "nvEncLockInputBuffer")) return ni;
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b)) return s->fail(ST_INVALID_PARAM, "inputBuffer is not an input buffer of this session");
  if (b->locked) return s->fail(ST_LOCK_BUSY, "input buffer is already locked (nvEncUnlockInputBuffer was not called)");
  b->locked = true;
  *data = b->mem.data();
  *pitch = (uint32_t)b->pitch;
  return ST_SUCCESS;
}

Status coreUnlockInputBuffer(Session* s, void* p) {
  if (Status ni = requireInitialized(s, "nvEncUnlockInputBuffer")) return ni;
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b)) return s->fail(ST_INVALID_PARAM, "inputBuffer is not an input buffer of this session");
  if (!b->locked) return s->fail(ST_INVALID_CALL, "input buffer is not locked");
  b->locked = false;
  return ST_SUCCESS;
}

}  // namespace nvsoft
