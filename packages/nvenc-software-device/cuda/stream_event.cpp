// Streams and events, and the work clients order on streams (stream-ordered allocation, host functions).
#include "internal.hpp"

using namespace nvsoft;

// ---- stream-ordered allocation and host functions (FFmpeg 8) ----
// Work on a stream runs when it is issued, so "stream order" is issue order: memory from
// cuMemAllocAsync is usable by the next call on that stream (and, as CUDA allows for a
// synchronized stream, on any other), cuMemFreeAsync frees after everything issued before it
// has finished (it has), and a host function runs on the calling thread before
// cuLaunchHostFunc returns, after all earlier work on its stream and before any later work.

namespace {
CUresult checkStreamOf(CUstream s) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  return checkStream(r, s);
}
}  // namespace

NVSOFT_API CUresult cuMemAllocAsync(CUdeviceptr* dptr, size_t bytesize, CUstream hStream) {
  if (CUresult e = checkStreamOf(hStream)) return e;
  return allocBlock(dptr, nullptr, bytesize, MemKind::Device, 0);
}

NVSOFT_API CUresult cuMemFreeAsync(CUdeviceptr dptr, CUstream hStream) {
  if (CUresult e = checkStreamOf(hStream)) return e;
  if (dptr == 0) return R(kErrInvalidValue);  // unlike cuMemFree, NULL is an error here
  return freeBlock(static_cast<uintptr_t>(dptr), false);
}

using HostFn = void (*)(void* userData);  // CUhostFn (not in dynlink_cuda.h 12.1)

NVSOFT_API CUresult cuLaunchHostFunc(CUstream hStream, HostFn fn, void* userData) {
  if (CUresult e = checkStreamOf(hStream)) return e;
  if (!fn) return R(kErrInvalidValue);
  fn(userData);  // no locks held: the function may not call CUDA, but it may take its own locks
  return R(kSuccess);
}

// ---- streams ----

namespace {
// Streams and events share their life cycle: created in the current context under a fresh
// opaque handle (tag: 0x51 streams, 0xE1 events), looked up by that handle, destroyed once.
template <class Object, class Handle>
CUresult createInCurrentContext(std::unordered_map<uintptr_t, Object> Registry::*table, unsigned tag, unsigned flags,
                                Handle* out) {
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  Object o;
  o.handle = reinterpret_cast<Handle>(makeHandle(tag, r.nextId++));
  o.ctx = c->handle;
  o.flags = flags;
  (r.*table).emplace(reinterpret_cast<uintptr_t>(o.handle), o);
  *out = o.handle;
  return R(kSuccess);
}

template <class Object, class Handle>
CUresult destroyHandle(std::unordered_map<uintptr_t, Object> Registry::*table, Handle h) {
  Registry& r = registry();
  Exclusive lock(r.mu);
  auto it = (r.*table).find(reinterpret_cast<uintptr_t>(h));
  if (it == (r.*table).end()) return R(kErrInvalidHandle);
  (r.*table).erase(it);
  return R(kSuccess);
}

// A field of a stream; the default and per-thread streams (not in the table) read 0.
template <class T>
CUresult streamField(CUstream hStream, T Stream::*field, T* out) {
  REQUIRE_INIT();
  if (!out) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = checkStream(r, hStream)) return e;
  auto it = r.streams.find(reinterpret_cast<uintptr_t>(hStream));
  *out = it == r.streams.end() ? T{} : it->second.*field;
  return R(kSuccess);
}
}  // namespace

NVSOFT_API CUresult cuStreamCreate(CUstream* phStream, unsigned int Flags) {
  REQUIRE_INIT();
  if (!phStream || (Flags & ~1u)) return R(kErrInvalidValue);
  return createInCurrentContext(&Registry::streams, 0x51, Flags, phStream);
}

NVSOFT_API CUresult cuStreamCreateWithPriority(CUstream* phStream, unsigned int flags, int priority) {
  CUresult e = cuStreamCreate(phStream, flags);
  if (e == R(kSuccess)) {
    Registry& r = registry();
    Exclusive lock(r.mu);
    auto it = r.streams.find(reinterpret_cast<uintptr_t>(*phStream));
    if (it != r.streams.end()) it->second.priority = std::clamp(priority, -5, 0);
  }
  return e;
}

NVSOFT_API CUresult cuStreamDestroy_v2(CUstream hStream) {
  REQUIRE_INIT();
  return destroyHandle(&Registry::streams, hStream);
}
NVSOFT_ALIAS(CUresult, cuStreamDestroy, cuStreamDestroy_v2, (CUstream));

NVSOFT_API CUresult cuStreamSynchronize(CUstream hStream) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = checkStream(r, hStream)) return e;
  if (!hStream || hStream == streamLegacy() || hStream == streamPerThread()) return currentCtx(r, nullptr);
  return R(kSuccess);
}

NVSOFT_API CUresult cuStreamQuery(CUstream hStream) {
  return cuStreamSynchronize(hStream);  // work is always complete
}

NVSOFT_API CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) {
  REQUIRE_INIT();
  if (Flags & ~1u) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = checkStream(r, hStream)) return e;
  if (!r.events.count(reinterpret_cast<uintptr_t>(hEvent))) return R(kErrInvalidHandle);
  return R(kSuccess);
}

NVSOFT_API CUresult cuStreamAddCallback(CUstream hStream, CUstreamCallback* callback, void* userData,
                                        unsigned int flags) {
  REQUIRE_INIT();
  if (!callback || flags != 0) return R(kErrInvalidValue);
  {
    Registry& r = registry();
    Shared lock(r.mu);
    if (CUresult e = checkStream(r, hStream)) return e;
  }
  // All preceding work is complete: run the callback now, without locks held.
  callback(hStream, R(kSuccess), userData);
  return R(kSuccess);
}

NVSOFT_API CUresult cuStreamGetPriority(CUstream hStream, int* priority) {
  return streamField(hStream, &Stream::priority, priority);
}

NVSOFT_API CUresult cuStreamGetFlags(CUstream hStream, unsigned int* flags) {
  return streamField(hStream, &Stream::flags, flags);
}

NVSOFT_API CUresult cuCtxGetStreamPriorityRange(int* leastPriority, int* greatestPriority) {
  REQUIRE_INIT();
  if (leastPriority) *leastPriority = 0;
  if (greatestPriority) *greatestPriority = -5;
  return R(kSuccess);
}

// ---- events ----

NVSOFT_API CUresult cuEventCreate(CUevent* phEvent, unsigned int Flags) {
  REQUIRE_INIT();
  if (!phEvent || (Flags & ~0x7u)) return R(kErrInvalidValue);
  return createInCurrentContext(&Registry::events, 0xE1, Flags, phEvent);
}

NVSOFT_API CUresult cuEventDestroy_v2(CUevent hEvent) {
  REQUIRE_INIT();
  return destroyHandle(&Registry::events, hEvent);
}
NVSOFT_ALIAS(CUresult, cuEventDestroy, cuEventDestroy_v2, (CUevent));

NVSOFT_API CUresult cuEventRecord(CUevent hEvent, CUstream hStream) {
  REQUIRE_INIT();
  Registry& r = registry();
  Exclusive lock(r.mu);
  auto it = r.events.find(reinterpret_cast<uintptr_t>(hEvent));
  if (it == r.events.end()) return R(kErrInvalidHandle);
  if (CUresult e = checkStream(r, hStream)) return e;
  it->second.recorded = true;
  it->second.when = std::chrono::steady_clock::now();
  return R(kSuccess);
}

NVSOFT_API CUresult cuEventSynchronize(CUevent hEvent) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  return r.events.count(reinterpret_cast<uintptr_t>(hEvent)) ? R(kSuccess) : R(kErrInvalidHandle);
}

NVSOFT_API CUresult cuEventQuery(CUevent hEvent) { return cuEventSynchronize(hEvent); }

NVSOFT_API CUresult cuEventElapsedTime(float* pMilliseconds, CUevent hStart, CUevent hEnd) {
  REQUIRE_INIT();
  if (!pMilliseconds) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  auto a = r.events.find(reinterpret_cast<uintptr_t>(hStart));
  auto b = r.events.find(reinterpret_cast<uintptr_t>(hEnd));
  if (a == r.events.end() || b == r.events.end()) return R(kErrInvalidHandle);
  if ((a->second.flags | b->second.flags) & CU_EVENT_DISABLE_TIMING) return R(kErrInvalidHandle);
  if (!a->second.recorded || !b->second.recorded) return R(kErrInvalidHandle);
  std::chrono::duration<float, std::milli> d = b->second.when - a->second.when;
  *pMilliseconds = d.count();
  return R(kSuccess);
}

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuStreamCreate, tcuStreamCreate);
NVSOFT_SIG(cuStreamQuery, tcuStreamQuery);
NVSOFT_SIG(cuStreamSynchronize, tcuStreamSynchronize);
NVSOFT_SIG(cuStreamDestroy_v2, tcuStreamDestroy_v2);
NVSOFT_SIG(cuStreamAddCallback, tcuStreamAddCallback);
NVSOFT_SIG(cuStreamWaitEvent, tcuStreamWaitEvent);
NVSOFT_SIG(cuEventCreate, tcuEventCreate);
NVSOFT_SIG(cuEventDestroy_v2, tcuEventDestroy_v2);
NVSOFT_SIG(cuEventSynchronize, tcuEventSynchronize);
NVSOFT_SIG(cuEventQuery, tcuEventQuery);
NVSOFT_SIG(cuEventRecord, tcuEventRecord);
