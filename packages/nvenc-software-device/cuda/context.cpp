// Primary and created contexts, the per-thread context stack, peer access.
#include "internal.hpp"

using namespace nvsoft;

// ---- primary context ----

NVSOFT_API CUresult cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice dev) {
  REQUIRE_INIT();
  if (!pctx) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  Registry& r = registry();
  Exclusive lock(r.mu);
  ensurePrimary(r);
  ++r.primaryRefs;
  *pctx = kPrimaryCtx;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
  REQUIRE_INIT();
  if (dev != 0) return R(kErrInvalidDevice);
  Registry& r = registry();
  Exclusive lock(r.mu);
  if (r.primaryRefs == 0) return R(kErrInvalidContext);
  if (--r.primaryRefs == 0) releaseContextResources(r, kPrimaryCtx);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease_v2, (CUdevice));

NVSOFT_API CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice dev, unsigned int flags) {
  REQUIRE_INIT();
  if (dev != 0) return R(kErrInvalidDevice);
  if (flags & ~kCtxFlagsMask) return R(kErrInvalidValue);
  if ((flags & 0x7) == 3 || (flags & 0x7) > 4) return R(kErrInvalidValue);  // sched mode
  Registry& r = registry();
  Exclusive lock(r.mu);
  r.primaryFlags = flags;
  ensurePrimary(r);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDevicePrimaryCtxSetFlags, cuDevicePrimaryCtxSetFlags_v2, (CUdevice, unsigned int));

NVSOFT_API CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int* flags, int* active) {
  REQUIRE_INIT();
  if (!flags || !active) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  Registry& r = registry();
  Shared lock(r.mu);
  *flags = r.primaryFlags;
  *active = r.primaryRefs > 0 ? 1 : 0;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDevicePrimaryCtxReset_v2(CUdevice dev) {
  REQUIRE_INIT();
  if (dev != 0) return R(kErrInvalidDevice);
  Registry& r = registry();
  Exclusive lock(r.mu);
  // Frees everything the primary context owns and resets its flags; the
  // retain count is left alone so existing holders keep a usable context.
  releaseContextResources(r, kPrimaryCtx);
  r.primaryFlags = 0;
  ensurePrimary(r);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDevicePrimaryCtxReset, cuDevicePrimaryCtxReset_v2, (CUdevice));

// ---- contexts ----

NVSOFT_API CUresult cuCtxCreate_v2(CUcontext* pctx, unsigned int flags, CUdevice dev) {
  REQUIRE_INIT();
  if (!pctx) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  if (flags & ~kCtxFlagsMask) return R(kErrInvalidValue);
  Registry& r = registry();
  Exclusive lock(r.mu);
  Context c;
  c.handle = reinterpret_cast<CUcontext>(makeHandle(0xC1, r.nextId++));
  c.device = dev;
  c.flags = flags;
  r.contexts.emplace(reinterpret_cast<uintptr_t>(c.handle), c);
  t_ctxStack.push_back(c.handle);
  *pctx = c.handle;
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuCtxCreate, cuCtxCreate_v2, (CUcontext*, unsigned int, CUdevice));

NVSOFT_API CUresult cuCtxDestroy_v2(CUcontext ctx) {
  REQUIRE_INIT();
  Registry& r = registry();
  Exclusive lock(r.mu);
  auto it = r.contexts.find(reinterpret_cast<uintptr_t>(ctx));
  if (!ctx || it == r.contexts.end() || it->second.primary || it->second.destroyed) return R(kErrInvalidContext);
  releaseContextResources(r, ctx);
  it->second.destroyed = true;
  // Popped from this thread's stack; other threads keep it current and get
  // CUDA_ERROR_CONTEXT_IS_DESTROYED on use (currentCtx).
  t_ctxStack.erase(std::remove(t_ctxStack.begin(), t_ctxStack.end(), ctx), t_ctxStack.end());
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuCtxDestroy, cuCtxDestroy_v2, (CUcontext));

NVSOFT_API CUresult cuCtxPushCurrent_v2(CUcontext ctx) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (!lookupCtx(r, ctx)) return R(kErrInvalidContext);
  t_ctxStack.push_back(ctx);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuCtxPushCurrent, cuCtxPushCurrent_v2, (CUcontext));

NVSOFT_API CUresult cuCtxPopCurrent_v2(CUcontext* pctx) {
  REQUIRE_INIT();
  if (t_ctxStack.empty()) return R(kErrInvalidContext);
  CUcontext top = t_ctxStack.back();
  t_ctxStack.pop_back();
  if (pctx) *pctx = top;
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuCtxPopCurrent, cuCtxPopCurrent_v2, (CUcontext*));

NVSOFT_API CUresult cuCtxGetCurrent(CUcontext* pctx) {
  REQUIRE_INIT();
  if (!pctx) return R(kErrInvalidValue);
  *pctx = t_ctxStack.empty() ? nullptr : t_ctxStack.back();
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxSetCurrent(CUcontext ctx) {
  REQUIRE_INIT();
  if (!ctx) {
    if (!t_ctxStack.empty()) t_ctxStack.pop_back();
    return R(kSuccess);
  }
  Registry& r = registry();
  Shared lock(r.mu);
  if (!lookupCtx(r, ctx)) return R(kErrInvalidContext);
  if (t_ctxStack.empty())
    t_ctxStack.push_back(ctx);
  else
    t_ctxStack.back() = ctx;
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxGetDevice(CUdevice* device) {
  REQUIRE_INIT();
  if (!device) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  *device = c->device;
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxGetFlags(unsigned int* flags) {
  REQUIRE_INIT();
  if (!flags) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  *flags = c->primary ? r.primaryFlags : c->flags;
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxGetApiVersion(CUcontext ctx, unsigned int* version) {
  REQUIRE_INIT();
  if (!version) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (!ctx) {
    if (CUresult e = currentCtx(r, nullptr)) return e;
  } else if (!lookupCtx(r, ctx)) {
    return R(kErrInvalidContext);
  }
  *version = 3020;  // API version of every context created by a 12.x driver
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxSynchronize(void) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  return currentCtx(r, nullptr);  // all work is synchronous
}

NVSOFT_API CUresult cuCtxSetLimit(CUlimit limit, size_t value) {
  REQUIRE_INIT();
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  int l = static_cast<int>(limit);
  if (l < 0 || l > 6) return R(kErrUnsupportedLimit);
  r.contexts[reinterpret_cast<uintptr_t>(c->handle)].limits[static_cast<size_t>(l)] = value;
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxGetLimit(size_t* pvalue, CUlimit limit) {
  REQUIRE_INIT();
  if (!pvalue) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  int l = static_cast<int>(limit);
  if (l < 0 || l > 6) return R(kErrUnsupportedLimit);
  static const size_t kDefaults[7] = {1024, 1048576, 8388608, 2, 2048, 0, 0};
  size_t v = c->limits[static_cast<size_t>(l)];
  *pvalue = v ? v : kDefaults[l];
  return R(kSuccess);
}

// ---- peer access (GStreamer 1.22's CUDA loader requires these three) ----
// One device: no context can be a peer of another, as on a single-GPU machine.

NVSOFT_API CUresult cuDeviceCanAccessPeer(int* canAccessPeer, CUdevice dev, CUdevice peerDev) {
  REQUIRE_INIT();
  if (!canAccessPeer) return R(kErrInvalidValue);
  if (dev != 0 || peerDev != 0) return R(kErrInvalidDevice);
  *canAccessPeer = 0;  // a device is never its own peer
  return R(kSuccess);
}

NVSOFT_API CUresult cuCtxEnablePeerAccess(CUcontext peerContext, unsigned int Flags) {
  REQUIRE_INIT();
  if (Flags != 0) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (!lookupCtx(r, peerContext)) return R(kErrInvalidContext);
  return R(kErrInvalidDevice);  // cuDeviceCanAccessPeer says 0 for every pair
}

NVSOFT_API CUresult cuCtxDisablePeerAccess(CUcontext peerContext) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (!lookupCtx(r, peerContext)) return R(kErrInvalidContext);
  return R(kErrPeerAccessNotEnabled);
}

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuCtxCreate_v2, tcuCtxCreate_v2);
NVSOFT_SIG(cuCtxGetCurrent, tcuCtxGetCurrent);
NVSOFT_SIG(cuCtxSetLimit, tcuCtxSetLimit);
NVSOFT_SIG(cuCtxPushCurrent_v2, tcuCtxPushCurrent_v2);
NVSOFT_SIG(cuCtxPopCurrent_v2, tcuCtxPopCurrent_v2);
NVSOFT_SIG(cuCtxDestroy_v2, tcuCtxDestroy_v2);
NVSOFT_SIG(cuCtxGetDevice, tcuCtxGetDevice);
NVSOFT_SIG(cuDevicePrimaryCtxRetain, tcuDevicePrimaryCtxRetain);
NVSOFT_SIG(cuDevicePrimaryCtxRelease, tcuDevicePrimaryCtxRelease);
NVSOFT_SIG(cuDevicePrimaryCtxSetFlags, tcuDevicePrimaryCtxSetFlags);
NVSOFT_SIG(cuDevicePrimaryCtxGetState, tcuDevicePrimaryCtxGetState);
NVSOFT_SIG(cuDevicePrimaryCtxReset, tcuDevicePrimaryCtxReset);
