// nvenc-ts software CUDA driver: a subset of the CUDA driver API over host
// memory, exported under the real symbol names so that it can stand in for
// NVIDIA's libcuda.so.1. This header is what its source files share; each
// file holds one part of the API (memory.cpp, copy.cpp, context.cpp, ...).
//
// Model:
//  * One device (ordinal 0), "nvenc-ts software CUDA device", compute
//    capability 8.9, reported driver version 12080 (CUDA 12.8).
//  * "Device" memory is host heap memory (512-byte aligned, zero-filled); the
//    CUdeviceptr value is the host address. Every allocation is recorded in
//    a registry, and every copy/memset whose device side is not inside one
//    recorded allocation fails with CUDA_ERROR_INVALID_VALUE.
//  * Unified addressing: pinned host blocks (cuMemAllocHost/cuMemHostAlloc)
//    and registered host ranges (cuMemHostRegister) are recorded too, and are
//    valid as device pointers (as with UVA on a real GPU).
//  * Host-side pointers (pageable or pinned) are trusted; if a host-side
//    range starts inside a recorded block it is still bounds-checked.
//  * All work is synchronous: *Async copies/memsets complete before they
//    return, streams and events are always complete, stream callbacks run
//    inline on the calling thread.
//  * The context stack is per thread; handles are opaque, never-reused
//    values looked up in the registry (never dereferenced).
#pragma once

#include "cuda_types.h"
#include "registry.h"
#include "fault_injection.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#define NVSOFT_API extern "C" __attribute__((visibility("default")))
#define NVSOFT_ALIAS(ret, name, target, args) NVSOFT_API ret name args __attribute__((alias(#target)))
// Compile-time signature check of an exported function against nv-codec-headers' typedef.
#define NVSOFT_SIG(fn, T) static_assert(std::is_same_v<decltype(&fn), T*>, #fn " signature")

namespace nvsoft {

constexpr int kDriverVersion = 12080;
constexpr int kCcMajor = 8;
constexpr int kCcMinor = 9;
constexpr size_t kAllocAlign = 512;
constexpr size_t kPitchAlign = 512;
constexpr const char* kDeviceName = "nvenc-ts software CUDA device";
constexpr const char* kPciBusId = "0000:01:00.0";

extern std::atomic<bool> g_initialized;
// This thread's context stack (cuCtxPush/PopCurrent); the top is the current context.
extern thread_local std::vector<CUcontext> t_ctxStack;

using Shared = std::shared_lock<std::shared_mutex>;
using Exclusive = std::unique_lock<std::shared_mutex>;

inline uintptr_t makeHandle(unsigned tag, uint64_t id) {
  // Values above the x86-64 user address range: opaque, crash if dereferenced.
  return (uintptr_t{tag} << 40) | (uintptr_t{id} << 4);
}
inline const CUcontext kPrimaryCtx = reinterpret_cast<CUcontext>(makeHandle(0xC1, 1));

size_t totalMemory();
inline size_t roundUp(size_t v, size_t a) { return (v + a - 1) / a * a; }

#define REQUIRE_INIT()                                                                \
  do {                                                                                \
    if (!g_initialized.load(std::memory_order_acquire)) return R(kErrNotInitialized); \
  } while (0)

// Context helpers (registry.cpp; registry lock held by the caller).
const Context* lookupCtx(const Registry& r, CUcontext c);
CUresult currentCtx(const Registry& r, const Context** out);
CUresult checkStream(const Registry& r, CUstream s);
void releaseContextResources(Registry& r, CUcontext c);
Context& ensurePrimary(Registry& r);
// Range checks (registry.cpp; registry lock held).
inline bool addOverflows(uintptr_t a, size_t b) { return a + b < a; }
CUresult checkDeviceRange(const Registry& r, uintptr_t p, size_t n);
CUresult checkHostRange(const Registry& r, uintptr_t p, size_t n);

// Allocation (memory.cpp).
CUresult allocBlock(CUdeviceptr* dptr, void** hptr, size_t bytes, MemKind kind, unsigned flags);
CUresult freeBlock(uintptr_t p, bool host);

// CUDA_ERROR_* name of a code (errors.cpp).
const char* errorNameOf(int code);
// The value of a CU_DEVICE_ATTRIBUTE_* (device.cpp); false for an unknown attribute.
bool deviceAttribute(int attr, int* out);

}  // namespace nvsoft
