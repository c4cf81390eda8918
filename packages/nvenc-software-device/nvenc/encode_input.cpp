// Reads the picture an encode names: a host input buffer or a mapped CUDA surface.
#include <algorithm>

#include "core.hpp"
#include "cuda_bridge.hpp"
#include "session_internal.hpp"

namespace nvsoft {

Status readInput(Session* s, PicIn& pic, EngineFrame& f) {
  const EncodeConfig& c = s->cfg;
  auto* ib = (InputBuffer*)pic.inputBuffer;
  auto* mp = (Mapping*)pic.inputBuffer;
  if (s->inputs.count(ib)) {
    if (ib->locked)
      return s->fail(ST_LOCK_BUSY,
                     "input buffer is still locked: call nvEncUnlockInputBuffer before nvEncEncodePicture");
    if (pic.bufferFmt != ib->fmt)
      return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(pic.bufferFmt) +
                                           " does not match the input buffer's format " + bufFmtName(ib->fmt));
    if (ib->width < c.width || ib->height < c.height)
      return s->fail(ST_INVALID_PARAM, "input buffer is smaller than the encode size");
    PlaneLayout L;
    planeLayout(ib->fmt, c.width, c.height, ib->pitch, &L);
    // NVENC input buffers keep the chroma plane after bufferHeight rows
    PlaneLayout LB;
    planeLayout(ib->fmt, ib->width, ib->height, ib->pitch, &LB);
    f.fmt = ib->fmt;
    for (int i = 0; i < LB.count; i++) {
      f.planes[i] = ib->mem.data() + LB.offset[i];
      f.pitch[i] = LB.pitch[i];
    }
    return ST_SUCCESS;
  }
  if (s->maps.count(mp)) {
    Registration* r = mp->reg;
    if (!s->regs.count(r)) return s->fail(ST_RESOURCE_NOT_REGISTERED, "mapped resource was unregistered");
    if (pic.bufferFmt != r->fmt)
      return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(pic.bufferFmt) +
                                           " does not match the registered resource's format " + bufFmtName(r->fmt));
    if (r->width < c.width || r->height < c.height)
      return s->fail(ST_INVALID_PARAM, "registered resource is smaller than the encode size");
    PlaneLayout L;
    planeLayout(r->fmt, r->width, r->height, r->pitch, &L);
    size_t rows = (L.total - L.rowBytes[L.count - 1]) / r->pitch + 1;
    if (s->staging.size() < r->pitch * rows) s->staging.resize(r->pitch * rows);
    Status fst = faultFor("map", ++s->mapReads);
    if (fst != ST_SUCCESS)
      return s->fail(fst, std::string("fault injected by NVENC_SOFT_FAULT (map): ") + statusName(fst));
    if (nullEngineSkipsRead()) {
      f.fmt = r->fmt;
      for (int i = 0; i < L.count; i++) {
        f.planes[i] = nullptr;
        f.pitch[i] = L.pitch[i];
      }
      return ST_SUCCESS;
    }
    // whole rows except the last, whose readable width is the widest plane row
    size_t widest = 0;
    for (int i = 0; i < L.count; i++) widest = std::max(widest, L.rowBytes[i]);
    int res = 0;
    if (rows > 1)
      res = s->cuda->copyToHost(s->cuContext, r->devicePtr, r->pitch, r->pitch, rows - 1, s->staging.data(), r->pitch);
    if (res == 0)
      res = s->cuda->copyToHost(s->cuContext, r->devicePtr + r->pitch * (rows - 1), r->pitch,
                                std::min<size_t>(widest, r->pitch), 1, s->staging.data() + r->pitch * (rows - 1),
                                r->pitch);
    if (res != 0) return s->fail(ST_MAP_FAILED, "reading the mapped CUDA surface failed: " + s->cuda->errorText(res));
    f.fmt = r->fmt;
    for (int i = 0; i < L.count; i++) {
      f.planes[i] = s->staging.data() + L.offset[i];
      f.pitch[i] = L.pitch[i];
    }
    return ST_SUCCESS;
  }
  // A mapping that was already unmapped, or a registration passed directly. INVALID_PARAM, from
  // nvEncEncodePicture's list: RESOURCE_NOT_MAPPED is documented for unmapping only.
  if (s->regs.count((Registration*)pic.inputBuffer))
    return s->fail(ST_INVALID_PARAM,
                   "inputBuffer is a registered resource: map it with nvEncMapInputResource and pass mappedResource");
  return s->fail(ST_INVALID_PARAM,
                 "inputBuffer is neither an input buffer of this session nor a currently mapped resource");
}

}  // namespace nvsoft
