// The registry of contexts, allocations, streams and events, and the checks every call makes against it.
#include "internal.hpp"

using namespace nvsoft;

namespace nvsoft {

Registry& registry() {
  // Intentionally never destroyed: clients may call in from other threads or
  // atexit handlers while static destructors run.
  static Registry* r = new Registry();
  return *r;
}

std::atomic<bool> g_initialized{false};

thread_local std::vector<CUcontext> t_ctxStack;

size_t totalMemory() {
  static const size_t total = [] {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return size_t{8} << 30;
    return static_cast<size_t>(pages) * static_cast<size_t>(page);
  }();
  return total;
}

// ---- context helpers (registry lock held by caller) ----

const Context* lookupCtx(const Registry& r, CUcontext c) {
  if (!c) return nullptr;
  auto it = r.contexts.find(reinterpret_cast<uintptr_t>(c));
  if (it == r.contexts.end() || it->second.destroyed) return nullptr;
  if (it->second.primary && r.primaryRefs == 0) return nullptr;  // inactive
  return &it->second;
}

// Current context of the calling thread, validated.
CUresult currentCtx(const Registry& r, const Context** out) {
  if (t_ctxStack.empty()) return R(kErrInvalidContext);
  const Context* c = lookupCtx(r, t_ctxStack.back());
  if (!c) {
    auto it = r.contexts.find(reinterpret_cast<uintptr_t>(t_ctxStack.back()));
    if (it != r.contexts.end() && it->second.destroyed) return R(kErrContextIsDestroyed);
  }
  if (!c) return R(kErrInvalidContext);
  if (out) *out = c;
  return R(kSuccess);
}

CUresult checkStream(const Registry& r, CUstream s) {
  if (!s || s == streamLegacy() || s == streamPerThread()) return R(kSuccess);
  return r.streams.count(reinterpret_cast<uintptr_t>(s)) ? R(kSuccess) : R(kErrInvalidHandle);
}

// Remove everything owned by context c (allocations, streams, events).
void releaseContextResources(Registry& r, CUcontext c) {
  for (auto it = r.allocs.begin(); it != r.allocs.end();) {
    if (it->second.ctx == c)
      it = r.allocs.erase(it);
    else
      ++it;
  }
  for (auto it = r.streams.begin(); it != r.streams.end();) {
    if (it->second.ctx == c)
      it = r.streams.erase(it);
    else
      ++it;
  }
  for (auto it = r.events.begin(); it != r.events.end();) {
    if (it->second.ctx == c)
      it = r.events.erase(it);
    else
      ++it;
  }
}

Context& ensurePrimary(Registry& r) {
  auto key = reinterpret_cast<uintptr_t>(kPrimaryCtx);
  auto it = r.contexts.find(key);
  if (it == r.contexts.end()) {
    Context c;
    c.handle = kPrimaryCtx;
    c.primary = true;
    it = r.contexts.emplace(key, c).first;
  }
  it->second.flags = r.primaryFlags;
  return it->second;
}

// ---- range checks (registry lock held) ----

// A range that must lie on the device side: inside one recorded block.
CUresult checkDeviceRange(const Registry& r, uintptr_t p, size_t n) {
  if (p == 0) return R(kErrInvalidValue);
  const Alloc* a = r.find(p);
  if (!a) return R(kErrInvalidValue);
  if (n > a->base + a->size - p) return R(kErrInvalidValue);
  return R(kSuccess);
}

// A host-side range: trusted, unless it starts inside a recorded block, in
// which case it must not run past it.
CUresult checkHostRange(const Registry& r, uintptr_t p, size_t n) {
  if (p == 0) return R(kErrInvalidValue);
  if (addOverflows(p, n)) return R(kErrInvalidValue);
  const Alloc* a = r.find(p);
  if (a && n > a->base + a->size - p) return R(kErrInvalidValue);
  return R(kSuccess);
}

}  // namespace nvsoft
