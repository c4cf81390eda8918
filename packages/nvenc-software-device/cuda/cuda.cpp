// nvenc-ts software CUDA driver: a subset of the CUDA driver API over host
// memory, exported under the real symbol names so that it can stand in for
// NVIDIA's libcuda.so.1.
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

using namespace nvsoft;

namespace nvsoft {

Registry& registry() {
  // Intentionally never destroyed: clients may call in from other threads or
  // atexit handlers while static destructors run.
  static Registry* r = new Registry();
  return *r;
}

}  // namespace nvsoft

namespace {

constexpr int kDriverVersion = 12080;
constexpr int kCcMajor = 8;
constexpr int kCcMinor = 9;
constexpr size_t kAllocAlign = 512;
constexpr size_t kPitchAlign = 512;
constexpr const char* kDeviceName = "nvenc-ts software CUDA device";
constexpr const char* kPciBusId = "0000:01:00.0";

std::atomic<bool> g_initialized{false};

thread_local std::vector<CUcontext> t_ctxStack;

using Shared = std::shared_lock<std::shared_mutex>;
using Exclusive = std::unique_lock<std::shared_mutex>;

uintptr_t makeHandle(unsigned tag, uint64_t id) {
  // Values above the x86-64 user address range: opaque, crash if dereferenced.
  return (uintptr_t{tag} << 40) | (uintptr_t{id} << 4);
}
const CUcontext kPrimaryCtx = reinterpret_cast<CUcontext>(makeHandle(0xC1, 1));

size_t totalMemory() {
  static const size_t total = [] {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return size_t{8} << 30;
    return static_cast<size_t>(pages) * static_cast<size_t>(page);
  }();
  return total;
}

size_t roundUp(size_t v, size_t a) { return (v + a - 1) / a * a; }

#define REQUIRE_INIT()                                                                \
  do {                                                                                \
    if (!g_initialized.load(std::memory_order_acquire)) return R(kErrNotInitialized); \
  } while (0)

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

bool addOverflows(uintptr_t a, size_t b) { return a + b < a; }

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

// ---- allocation ----

const char* errorNameOf(int code);

// NVENC_SOFT_FAULT `alloc[@n[+]][=STATUS]` (fault_injection.hpp): the n-th device, managed or
// pinned allocation fails, with CUDA_ERROR_OUT_OF_MEMORY unless STATUS says otherwise.
int injectedAllocFault() {
  std::string text;
  if (!nvsoft::fault::hit("alloc", &text)) return 0;
  return nvsoft::fault::statusFromText(text, kErrOutOfMemory, errorNameOf, 999, "CUDA_ERROR_");
}

CUresult allocBlock(CUdeviceptr* dptr, void** hptr, size_t bytes, MemKind kind, unsigned flags) {
  REQUIRE_INIT();
  if ((!dptr && !hptr) || bytes == 0) return R(kErrInvalidValue);
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* ctx = nullptr;
  if (CUresult e = currentCtx(r, &ctx)) return e;
  if (int injected = injectedAllocFault()) return R(injected);
  if (bytes > totalMemory()) return R(kErrOutOfMemory);
  void* mem = nullptr;
  if (posix_memalign(&mem, kAllocAlign, roundUp(bytes, kAllocAlign)) != 0 || !mem) return R(kErrOutOfMemory);
  std::memset(mem, 0, bytes);
  Alloc a;
  a.base = reinterpret_cast<uintptr_t>(mem);
  a.size = bytes;
  a.kind = kind;
  a.ctx = ctx->handle;
  a.flags = flags;
  a.id = r.nextId++;
  a.block.reset(mem);
  r.allocs.emplace(a.base, std::move(a));
  if (dptr) *dptr = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(mem));
  if (hptr) *hptr = mem;
  return R(kSuccess);
}

CUresult freeBlock(uintptr_t p, bool host) {
  REQUIRE_INIT();
  Registry& r = registry();
  Exclusive lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (p == 0) return R(kSuccess);  // freeing NULL is a no-op, as in CUDA
  auto it = r.allocs.find(p);
  if (it == r.allocs.end()) return R(kErrInvalidValue);
  MemKind k = it->second.kind;
  if (host ? k != MemKind::PinnedHost : (k != MemKind::Device && k != MemKind::Managed)) return R(kErrInvalidValue);
  r.allocs.erase(it);
  return R(kSuccess);
}

// ---- copies ----

enum class Side { Host, Device, Unified };

CUresult checkSide(const Registry& r, Side s, uintptr_t p, size_t n) {
  switch (s) {
    case Side::Device: return checkDeviceRange(r, p, n);
    case Side::Host: return checkHostRange(r, p, n);
    case Side::Unified:
      // cuMemcpy / CU_MEMORYTYPE_UNIFIED: a recorded block is device memory
      // and must contain the range, anything else is host memory.
      return checkHostRange(r, p, n);
  }
  return R(kErrInvalidValue);
}

CUresult copy1D(uintptr_t dst, Side ds, uintptr_t src, Side ss, size_t n, CUstream stream, bool checkStreamHandle) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  if (n == 0) return R(kSuccess);
  if (CUresult e = checkSide(r, ds, dst, n)) return e;
  if (CUresult e = checkSide(r, ss, src, n)) return e;
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
  return R(kSuccess);
}

unsigned readMemType(const CUmemorytype* field) {
  // Read as a plain integer: clients may pass CU_MEMORYTYPE_UNIFIED (4), which
  // is outside the enum declared by dynlink_cuda.h.
  unsigned v = 0;
  static_assert(sizeof(CUmemorytype) == sizeof(unsigned), "enum size");
  std::memcpy(&v, field, sizeof v);
  return v;
}

struct Plane {
  uintptr_t start = 0;
  size_t pitch = 0;
  Side side = Side::Host;
};

CUresult resolvePlane(unsigned type, const void* host, CUdeviceptr dev, CUarray arr, size_t x, size_t y, size_t pitch,
                      size_t width, size_t height, Plane* out) {
  uintptr_t base = 0;
  switch (type) {
    case kMemTypeHost:
      base = reinterpret_cast<uintptr_t>(host);
      out->side = Side::Host;
      break;
    case kMemTypeDevice:
      base = static_cast<uintptr_t>(dev);
      out->side = Side::Device;
      break;
    case kMemTypeUnified:
      base = static_cast<uintptr_t>(dev);
      out->side = Side::Unified;
      break;
    case kMemTypeArray: (void)arr; return R(kErrNotSupported);
    default: return R(kErrInvalidValue);
  }
  if (base == 0) return R(kErrInvalidValue);
  // cuMemcpy2D: "If specified, srcPitch must be greater than or equal to WidthInBytes +
  // srcXInBytes" (likewise dst), and any pitch above CU_DEVICE_ATTRIBUTE_MAX_PITCH fails. A single
  // row may leave the pitch 0 (unspecified).
  if ((height > 1 || pitch != 0) && (pitch < width || pitch - width < x)) return R(kErrInvalidValue);
  if (pitch > 2147483647ull) return R(kErrInvalidValue);  // MAX_PITCH
  // start = base + y * pitch + x, checked for overflow.
  unsigned __int128 start = static_cast<unsigned __int128>(y) * pitch + x + base;
  unsigned __int128 span = static_cast<unsigned __int128>(height - 1) * pitch + width;
  if (start + span > UINTPTR_MAX) return R(kErrInvalidValue);
  out->start = static_cast<uintptr_t>(start);
  out->pitch = pitch;
  return R(kSuccess);
}

CUresult copy2D(const CUDA_MEMCPY2D* c, CUstream stream, bool checkStreamHandle) {
  REQUIRE_INIT();
  if (!c) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  const size_t w = c->WidthInBytes, h = c->Height;
  if (w == 0 || h == 0) return R(kSuccess);
  Plane src, dst;
  if (CUresult e = resolvePlane(readMemType(&c->srcMemoryType), c->srcHost, c->srcDevice, c->srcArray, c->srcXInBytes,
                                c->srcY, c->srcPitch, w, h, &src))
    return e;
  if (CUresult e = resolvePlane(readMemType(&c->dstMemoryType), c->dstHost, c->dstDevice, c->dstArray, c->dstXInBytes,
                                c->dstY, c->dstPitch, w, h, &dst))
    return e;
  // The rows are evenly spaced, so checking the span from the first byte of
  // the first row to the last byte of the last row checks every row.
  const size_t srcSpan = (h - 1) * src.pitch + w;
  const size_t dstSpan = (h - 1) * dst.pitch + w;
  if (CUresult e = checkSide(r, src.side, src.start, srcSpan)) return e;
  if (CUresult e = checkSide(r, dst.side, dst.start, dstSpan)) return e;
  if (src.pitch == w && dst.pitch == w) {
    std::memmove(reinterpret_cast<void*>(dst.start), reinterpret_cast<const void*>(src.start), w * h);
  } else {
    for (size_t row = 0; row < h; ++row)
      std::memmove(reinterpret_cast<void*>(dst.start + row * dst.pitch),
                   reinterpret_cast<const void*>(src.start + row * src.pitch), w);
  }
  return R(kSuccess);
}

// ---- memset ----

template <typename T>
CUresult memset2D(CUdeviceptr dst, size_t pitch, T value, size_t width, size_t height, CUstream stream,
                  bool checkStreamHandle) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  if (width == 0 || height == 0) return R(kSuccess);
  const uintptr_t p = static_cast<uintptr_t>(dst);
  if (p % sizeof(T) != 0) return R(kErrInvalidValue);
  const size_t rowBytes = width * sizeof(T);
  if (width > SIZE_MAX / sizeof(T)) return R(kErrInvalidValue);
  if (height > 1 && pitch < rowBytes) return R(kErrInvalidValue);
  unsigned __int128 span = static_cast<unsigned __int128>(height - 1) * pitch + rowBytes;
  if (span > SIZE_MAX) return R(kErrInvalidValue);
  if (CUresult e = checkDeviceRange(r, p, static_cast<size_t>(span))) return e;
  for (size_t row = 0; row < height; ++row) {
    auto* d = reinterpret_cast<unsigned char*>(p + row * pitch);
    if constexpr (sizeof(T) == 1) {
      std::memset(d, value, width);
    } else {
      for (size_t i = 0; i < width; ++i) std::memcpy(d + i * sizeof(T), &value, sizeof(T));
    }
  }
  return R(kSuccess);
}

// ---- error strings ----

struct ErrorInfo {
  int code;
  const char* name;
  const char* text;
};

constexpr ErrorInfo kErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {5, "CUDA_ERROR_PROFILER_DISABLED", "profiler disabled while using external profiling tool"},
    {34, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library"},
    {46, "CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA-capable device(s) is/are busy or unavailable"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {102, "CUDA_ERROR_DEVICE_NOT_LICENSED", "device doesn't have valid Grid license"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {202, "CUDA_ERROR_CONTEXT_ALREADY_CURRENT", "context already current"},
    {205, "CUDA_ERROR_MAP_FAILED", "mapping of buffer object failed"},
    {206, "CUDA_ERROR_UNMAP_FAILED", "unmapping of buffer object failed"},
    {207, "CUDA_ERROR_ARRAY_IS_MAPPED", "array is mapped"},
    {208, "CUDA_ERROR_ALREADY_MAPPED", "resource already mapped"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {210, "CUDA_ERROR_ALREADY_ACQUIRED", "resource already acquired"},
    {211, "CUDA_ERROR_NOT_MAPPED", "resource not mapped"},
    {212, "CUDA_ERROR_NOT_MAPPED_AS_ARRAY", "resource not mapped as array"},
    {213, "CUDA_ERROR_NOT_MAPPED_AS_POINTER", "resource not mapped as pointer"},
    {214, "CUDA_ERROR_ECC_UNCORRECTABLE", "uncorrectable ECC error encountered"},
    {215, "CUDA_ERROR_UNSUPPORTED_LIMIT", "limit is not supported on this architecture"},
    {216, "CUDA_ERROR_CONTEXT_ALREADY_IN_USE", "exclusive-thread device already in use by a different thread"},
    {217, "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED", "peer access is not supported between these two devices"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {219, "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT", "invalid OpenGL or DirectX context"},
    {300, "CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid"},
    {301, "CUDA_ERROR_FILE_NOT_FOUND", "file not found"},
    {302, "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", "shared object symbol not found"},
    {303, "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", "shared object initialization failed"},
    {304, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed or operation not supported on this OS"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {401, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
    {702, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"},
    {703, "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING", "launch uses incompatible texturing mode"},
    {704, "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", "peer access is already enabled"},
    {705, "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED", "peer access has not been enabled"},
    {708, "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", "cannot set while device is active in this process"},
    {709, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed"},
    {710, "CUDA_ERROR_ASSERT", "device-side assert triggered"},
    {712, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED", "part or all of the requested memory range is already mapped"},
    {713, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED", "pointer does not correspond to a registered memory region"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {800, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {802, "CUDA_ERROR_SYSTEM_NOT_READY", "system not yet initialized"},
    {803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "system has unsupported display driver / cuda driver combination"},
    {909, "CUDA_ERROR_TIMEOUT", "wait operation timed out"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

const ErrorInfo* findError(int code) {
  for (const auto& e : kErrors)
    if (e.code == code) return &e;
  return nullptr;
}

const char* errorNameOf(int code) {
  const ErrorInfo* e = findError(code);
  return e ? e->name : nullptr;
}

// ---- device attributes ----

bool deviceAttribute(int attr, int* out) {
  int v = 0;
  switch (attr) {
    case 1: v = 1024; break;         // MAX_THREADS_PER_BLOCK
    case 2: v = 1024; break;         // MAX_BLOCK_DIM_X
    case 3: v = 1024; break;         // MAX_BLOCK_DIM_Y
    case 4: v = 64; break;           // MAX_BLOCK_DIM_Z
    case 5: v = 2147483647; break;   // MAX_GRID_DIM_X
    case 6: v = 65535; break;        // MAX_GRID_DIM_Y
    case 7: v = 65535; break;        // MAX_GRID_DIM_Z
    case 8: v = 49152; break;        // MAX_SHARED_MEMORY_PER_BLOCK
    case 9: v = 65536; break;        // TOTAL_CONSTANT_MEMORY
    case 10: v = 32; break;          // WARP_SIZE
    case 11: v = 2147483647; break;  // MAX_PITCH
    case 12: v = 65536; break;       // MAX_REGISTERS_PER_BLOCK
    case 13: v = 2520000; break;     // CLOCK_RATE (kHz)
    case 14: v = 512; break;         // TEXTURE_ALIGNMENT
    case 15: v = 1; break;           // GPU_OVERLAP
    case 16: v = 8; break;           // MULTIPROCESSOR_COUNT
    case 17: v = 0; break;           // KERNEL_EXEC_TIMEOUT
    case 18: v = 0; break;           // INTEGRATED (behaves as a discrete GPU)
    case 19: v = 1; break;           // CAN_MAP_HOST_MEMORY
    case 20: v = 0; break;           // COMPUTE_MODE (default)
    case 21: v = 131072; break;      // MAXIMUM_TEXTURE1D_WIDTH
    case 22: v = 131072; break;      // MAXIMUM_TEXTURE2D_WIDTH
    case 23: v = 65536; break;       // MAXIMUM_TEXTURE2D_HEIGHT
    case 24:
    case 25:
    case 26: v = 16384; break;  // MAXIMUM_TEXTURE3D_*
    case 27:
    case 28: v = 32768; break;     // MAXIMUM_TEXTURE2D_LAYERED_WIDTH/HEIGHT
    case 29: v = 2048; break;      // MAXIMUM_TEXTURE2D_LAYERED_LAYERS
    case 30: v = 512; break;       // SURFACE_ALIGNMENT
    case 31: v = 1; break;         // CONCURRENT_KERNELS
    case 32: v = 0; break;         // ECC_ENABLED
    case 33: v = 1; break;         // PCI_BUS_ID
    case 34: v = 0; break;         // PCI_DEVICE_ID
    case 35: v = 0; break;         // TCC_DRIVER
    case 36: v = 10501000; break;  // MEMORY_CLOCK_RATE (kHz)
    case 37: v = 192; break;       // GLOBAL_MEMORY_BUS_WIDTH
    case 38: v = 33554432; break;  // L2_CACHE_SIZE
    case 39: v = 1536; break;      // MAX_THREADS_PER_MULTIPROCESSOR
    case 40: v = 2; break;         // ASYNC_ENGINE_COUNT
    case 41: v = 1; break;         // UNIFIED_ADDRESSING
    case 42: v = 32768; break;     // MAXIMUM_TEXTURE1D_LAYERED_WIDTH
    case 43: v = 2048; break;      // MAXIMUM_TEXTURE1D_LAYERED_LAYERS
    case 45:
    case 46: v = 32768; break;  // MAXIMUM_TEXTURE2D_GATHER_WIDTH/HEIGHT
    case 47:
    case 48: v = 8192; break;   // MAXIMUM_TEXTURE3D_*_ALTERNATE
    case 49: v = 32768; break;  // MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE
    case 50: v = 0; break;      // PCI_DOMAIN_ID
    case 51: v = 32; break;     // TEXTURE_PITCH_ALIGNMENT
    case 52:
    case 53: v = 32768; break;  // MAXIMUM_TEXTURECUBEMAP_(LAYERED_)WIDTH
    case 54: v = 2046; break;   // MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS
    case 55:
    case 56: v = 32768; break;  // MAXIMUM_SURFACE1D_WIDTH, SURFACE2D_WIDTH
    case 57: v = 65536; break;  // MAXIMUM_SURFACE2D_HEIGHT
    case 58:
    case 59:
    case 60: v = 16384; break;  // MAXIMUM_SURFACE3D_*
    case 61: v = 32768; break;  // MAXIMUM_SURFACE1D_LAYERED_WIDTH
    case 62: v = 2048; break;   // MAXIMUM_SURFACE1D_LAYERED_LAYERS
    case 63:
    case 64: v = 32768; break;  // MAXIMUM_SURFACE2D_LAYERED_WIDTH/HEIGHT
    case 65: v = 2048; break;   // MAXIMUM_SURFACE2D_LAYERED_LAYERS
    case 66:
    case 67: v = 32768; break;      // MAXIMUM_SURFACECUBEMAP_(LAYERED_)WIDTH
    case 68: v = 2046; break;       // MAXIMUM_SURFACECUBEMAP_LAYERED_LAYERS
    case 69: v = 268435456; break;  // MAXIMUM_TEXTURE1D_LINEAR_WIDTH
    case 70: v = 131072; break;     // MAXIMUM_TEXTURE2D_LINEAR_WIDTH
    case 71: v = 65000; break;      // MAXIMUM_TEXTURE2D_LINEAR_HEIGHT
    case 72: v = 2097120; break;    // MAXIMUM_TEXTURE2D_LINEAR_PITCH
    case 73: v = 32768; break;      // MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH
    case 74: v = 32768; break;      // MAXIMUM_TEXTURE2D_MIPMAPPED_HEIGHT
    case 75: v = kCcMajor; break;   // COMPUTE_CAPABILITY_MAJOR
    case 76: v = kCcMinor; break;   // COMPUTE_CAPABILITY_MINOR
    case 77: v = 32768; break;      // MAXIMUM_TEXTURE1D_MIPMAPPED_WIDTH
    case 78: v = 1; break;          // STREAM_PRIORITIES_SUPPORTED
    case 79:
    case 80: v = 1; break;       // GLOBAL/LOCAL_L1_CACHE_SUPPORTED
    case 81: v = 102400; break;  // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
    case 82: v = 65536; break;   // MAX_REGISTERS_PER_MULTIPROCESSOR
    case 83: v = 1; break;       // MANAGED_MEMORY
    case 84: v = 0; break;       // MULTI_GPU_BOARD
    case 85: v = 0; break;       // MULTI_GPU_BOARD_GROUP_ID
    case 87: v = 64; break;      // SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO
    case 89: v = 1; break;       // CONCURRENT_MANAGED_ACCESS
    case 90: v = 1; break;       // COMPUTE_PREEMPTION_SUPPORTED
    case 95: v = 1; break;       // COOPERATIVE_LAUNCH
    case 97: v = 101376; break;  // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    case 99: v = 1; break;       // HOST_REGISTER_SUPPORTED
    case 106: v = 24; break;     // MAX_BLOCKS_PER_MULTIPROCESSOR
    default:
      // Anything else up to CU_DEVICE_ATTRIBUTE_MAX (about 150 in CUDA 12.x):
      // a feature this device does not have.
      if (attr < 1 || attr >= 160) return false;
      v = 0;
  }
  *out = v;
  return true;
}

}  // namespace

// ===========================================================================
// Exported API
// ===========================================================================

// ---- initialisation / version ----

NVSOFT_API CUresult cuInit(unsigned int Flags) {
  if (Flags != 0) return R(kErrInvalidValue);
  const char* nodev = std::getenv("NVSOFT_CUDA_NO_DEVICE");
  if (nodev && *nodev && std::strcmp(nodev, "0") != 0) return R(kErrNoDevice);
  registry();
  g_initialized.store(true, std::memory_order_release);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDriverGetVersion(int* driverVersion) {
  if (!driverVersion) return R(kErrInvalidValue);
  *driverVersion = kDriverVersion;
  return R(kSuccess);
}

// ---- device ----

NVSOFT_API CUresult cuDeviceGetCount(int* count) {
  REQUIRE_INIT();
  if (!count) return R(kErrInvalidValue);
  *count = 1;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  REQUIRE_INIT();
  if (!device) return R(kErrInvalidValue);
  if (ordinal != 0) return R(kErrInvalidDevice);
  *device = 0;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
  REQUIRE_INIT();
  if (!name || len <= 0) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  std::snprintf(name, static_cast<size_t>(len), "%s", kDeviceName);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev) {
  REQUIRE_INIT();
  if (!pi) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  int v = 0;
  if (!deviceAttribute(static_cast<int>(attrib), &v)) return R(kErrInvalidValue);
  *pi = v;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
  REQUIRE_INIT();
  if (!major || !minor) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  *major = kCcMajor;
  *minor = kCcMinor;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev) {
  REQUIRE_INIT();
  if (!bytes) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  *bytes = totalMemory();
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDeviceTotalMem, cuDeviceTotalMem_v2, (size_t*, CUdevice));

NVSOFT_API CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice dev) {
  REQUIRE_INIT();
  if (!uuid) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  static const unsigned char kUuid[16] = {0x6e, 0x76, 0x73, 0x6f, 0x66, 0x74, 0x2d, 0x63,
                                          0x75, 0x64, 0x61, 0x2d, 0x64, 0x65, 0x76, 0x30};
  std::memcpy(uuid->bytes, kUuid, sizeof kUuid);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDeviceGetUuid_v2, cuDeviceGetUuid, (CUuuid*, CUdevice));

NVSOFT_API CUresult cuDeviceGetLuid(char* luid, unsigned int* deviceNodeMask, CUdevice dev) {
  REQUIRE_INIT();
  if (!luid || !deviceNodeMask) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  return R(kErrNotSupported);  // LUIDs exist on Windows only
}

NVSOFT_API CUresult cuDeviceGetPCIBusId(char* pciBusId, int len, CUdevice dev) {
  REQUIRE_INIT();
  if (!pciBusId || len <= 0) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  std::snprintf(pciBusId, static_cast<size_t>(len), "%s", kPciBusId);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetByPCIBusId(CUdevice* dev, const char* pciBusId) {
  REQUIRE_INIT();
  if (!dev || !pciBusId) return R(kErrInvalidValue);
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  int n = std::sscanf(pciBusId, "%x:%x:%x.%x", &domain, &bus, &device, &function);
  if (n < 3) {
    domain = 0;
    n = std::sscanf(pciBusId, "%x:%x.%x", &bus, &device, &function);
    if (n < 2) return R(kErrInvalidValue);
  }
  if (domain != 0 || bus != 1 || device != 0) return R(kErrInvalidDevice);
  *dev = 0;
  return R(kSuccess);
}

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

// ---- memory: allocation ----

NVSOFT_API CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytesize) {
  return allocBlock(dptr, nullptr, bytesize, MemKind::Device, 0);
}
NVSOFT_ALIAS(CUresult, cuMemAlloc, cuMemAlloc_v2, (CUdeviceptr*, size_t));

NVSOFT_API CUresult cuMemAllocPitch_v2(CUdeviceptr* dptr, size_t* pPitch, size_t WidthInBytes, size_t Height,
                                       unsigned int ElementSizeBytes) {
  REQUIRE_INIT();
  if (!dptr || !pPitch || WidthInBytes == 0 || Height == 0) return R(kErrInvalidValue);
  if (ElementSizeBytes != 4 && ElementSizeBytes != 8 && ElementSizeBytes != 16) return R(kErrInvalidValue);
  const size_t pitch = roundUp(WidthInBytes, kPitchAlign);
  if (pitch < WidthInBytes || Height > SIZE_MAX / pitch) return R(kErrOutOfMemory);
  CUresult e = allocBlock(dptr, nullptr, pitch * Height, MemKind::Device, 0);
  if (e == R(kSuccess)) *pPitch = pitch;
  return e;
}
NVSOFT_ALIAS(CUresult, cuMemAllocPitch, cuMemAllocPitch_v2, (CUdeviceptr*, size_t*, size_t, size_t, unsigned int));

NVSOFT_API CUresult cuMemAllocManaged(CUdeviceptr* dptr, size_t bytesize, unsigned int flags) {
  REQUIRE_INIT();
  if (!dptr) return R(kErrInvalidValue);
  if (flags != kMemAttachGlobal && flags != kMemAttachHost) return R(kErrInvalidValue);
  return allocBlock(dptr, nullptr, bytesize, MemKind::Managed, flags);
}

NVSOFT_API CUresult cuMemFree_v2(CUdeviceptr dptr) { return freeBlock(static_cast<uintptr_t>(dptr), false); }
NVSOFT_ALIAS(CUresult, cuMemFree, cuMemFree_v2, (CUdeviceptr));

NVSOFT_API CUresult cuMemHostAlloc(void** pp, size_t bytesize, unsigned int Flags) {
  REQUIRE_INIT();
  if (!pp) return R(kErrInvalidValue);
  if (Flags & ~(kHostAllocPortable | kHostAllocDeviceMap | kHostAllocWriteCombined)) return R(kErrInvalidValue);
  return allocBlock(nullptr, pp, bytesize, MemKind::PinnedHost, Flags);
}

NVSOFT_API CUresult cuMemAllocHost_v2(void** pp, size_t bytesize) {
  REQUIRE_INIT();
  if (!pp) return R(kErrInvalidValue);
  return allocBlock(nullptr, pp, bytesize, MemKind::PinnedHost, 0);
}
NVSOFT_ALIAS(CUresult, cuMemAllocHost, cuMemAllocHost_v2, (void**, size_t));

NVSOFT_API CUresult cuMemFreeHost(void* p) { return freeBlock(reinterpret_cast<uintptr_t>(p), true); }

NVSOFT_API CUresult cuMemHostRegister_v2(void* p, size_t bytesize, unsigned int Flags) {
  REQUIRE_INIT();
  if (!p || bytesize == 0) return R(kErrInvalidValue);
  if (Flags & ~(kHostRegisterPortable | kHostRegisterDeviceMap | kHostRegisterIoMemory | kHostRegisterReadOnly))
    return R(kErrInvalidValue);
  if (Flags & kHostRegisterIoMemory) return R(kErrNotSupported);
  const uintptr_t base = reinterpret_cast<uintptr_t>(p);
  if (addOverflows(base, bytesize)) return R(kErrInvalidValue);
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* ctx = nullptr;
  if (CUresult e = currentCtx(r, &ctx)) return e;
  if (r.overlaps(base, bytesize)) return R(kErrHostMemoryAlreadyRegistered);
  Alloc a;
  a.base = base;
  a.size = bytesize;
  a.kind = MemKind::Registered;
  a.ctx = ctx->handle;
  a.flags = Flags;
  a.id = r.nextId++;
  r.allocs.emplace(base, std::move(a));
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuMemHostRegister, cuMemHostRegister_v2, (void*, size_t, unsigned int));

NVSOFT_API CUresult cuMemHostUnregister(void* p) {
  REQUIRE_INIT();
  if (!p) return R(kErrInvalidValue);
  Registry& r = registry();
  Exclusive lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  auto it = r.allocs.find(reinterpret_cast<uintptr_t>(p));
  if (it == r.allocs.end() || it->second.kind != MemKind::Registered) return R(kErrHostMemoryNotRegistered);
  r.allocs.erase(it);
  return R(kSuccess);
}

NVSOFT_API CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr* pdptr, void* p, unsigned int Flags) {
  REQUIRE_INIT();
  if (!pdptr || !p || Flags != 0) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  const Alloc* a = r.find(reinterpret_cast<uintptr_t>(p));
  if (!a || (a->kind != MemKind::PinnedHost && a->kind != MemKind::Registered)) return R(kErrInvalidValue);
  *pdptr = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));  // unified addressing
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuMemHostGetDevicePointer, cuMemHostGetDevicePointer_v2, (CUdeviceptr*, void*, unsigned int));

NVSOFT_API CUresult cuMemHostGetFlags(unsigned int* pFlags, void* p) {
  REQUIRE_INIT();
  if (!pFlags || !p) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  const Alloc* a = r.find(reinterpret_cast<uintptr_t>(p));
  if (!a || a->kind != MemKind::PinnedHost) return R(kErrInvalidValue);
  *pFlags = a->flags;
  return R(kSuccess);
}

NVSOFT_API CUresult cuMemGetInfo_v2(size_t* freeBytes, size_t* totalBytes) {
  REQUIRE_INIT();
  if (!freeBytes || !totalBytes) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  size_t used = 0;
  for (const auto& kv : r.allocs)
    if (kv.second.kind == MemKind::Device || kv.second.kind == MemKind::Managed) used += kv.second.size;
  const size_t total = totalMemory();
  *totalBytes = total;
  *freeBytes = used >= total ? 0 : total - used;
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuMemGetInfo, cuMemGetInfo_v2, (size_t*, size_t*));

NVSOFT_API CUresult cuMemGetAddressRange_v2(CUdeviceptr* pbase, size_t* psize, CUdeviceptr dptr) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  const Alloc* a = r.find(static_cast<uintptr_t>(dptr));
  if (!a || a->kind == MemKind::Registered || a->kind == MemKind::PinnedHost) return R(kErrNotFound);
  if (pbase) *pbase = static_cast<CUdeviceptr>(a->base);
  if (psize) *psize = a->size;
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuMemGetAddressRange, cuMemGetAddressRange_v2, (CUdeviceptr*, size_t*, CUdeviceptr));

// ---- memory: copies (all synchronous; *Async variants complete before returning) ----

NVSOFT_API CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dst), Side::Unified, static_cast<uintptr_t>(src), Side::Unified, ByteCount,
                nullptr, false);
}
NVSOFT_API CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount, CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dst), Side::Unified, static_cast<uintptr_t>(src), Side::Unified, ByteCount,
                hStream, true);
}

NVSOFT_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, reinterpret_cast<uintptr_t>(srcHost), Side::Host,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyHtoD, cuMemcpyHtoD_v2, (CUdeviceptr, const void*, size_t));

NVSOFT_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount,
                                         CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, reinterpret_cast<uintptr_t>(srcHost), Side::Host,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyHtoDAsync, cuMemcpyHtoDAsync_v2, (CUdeviceptr, const void*, size_t, CUstream));

NVSOFT_API CUresult cuMemcpyDtoH_v2(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
  return copy1D(reinterpret_cast<uintptr_t>(dstHost), Side::Host, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoH, cuMemcpyDtoH_v2, (void*, CUdeviceptr, size_t));

NVSOFT_API CUresult cuMemcpyDtoHAsync_v2(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
  return copy1D(reinterpret_cast<uintptr_t>(dstHost), Side::Host, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoHAsync, cuMemcpyDtoHAsync_v2, (void*, CUdeviceptr, size_t, CUstream));

NVSOFT_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoD, cuMemcpyDtoD_v2, (CUdeviceptr, CUdeviceptr, size_t));

NVSOFT_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount,
                                         CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoDAsync, cuMemcpyDtoDAsync_v2, (CUdeviceptr, CUdeviceptr, size_t, CUstream));

NVSOFT_API CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D* pCopy) { return copy2D(pCopy, nullptr, false); }
NVSOFT_ALIAS(CUresult, cuMemcpy2D, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));
NVSOFT_ALIAS(CUresult, cuMemcpy2DUnaligned_v2, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));
NVSOFT_ALIAS(CUresult, cuMemcpy2DUnaligned, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));

NVSOFT_API CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D* pCopy, CUstream hStream) {
  return copy2D(pCopy, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpy2DAsync, cuMemcpy2DAsync_v2, (const CUDA_MEMCPY2D*, CUstream));

// ---- memory: memset ----

NVSOFT_API CUresult cuMemsetD8_v2(CUdeviceptr dstDevice, unsigned char uc, size_t N) {
  return memset2D<unsigned char>(dstDevice, N, uc, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD8, cuMemsetD8_v2, (CUdeviceptr, unsigned char, size_t));

NVSOFT_API CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream) {
  return memset2D<unsigned char>(dstDevice, N, uc, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD16_v2(CUdeviceptr dstDevice, unsigned short us, size_t N) {
  return memset2D<unsigned short>(dstDevice, N * 2, us, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD16, cuMemsetD16_v2, (CUdeviceptr, unsigned short, size_t));

NVSOFT_API CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N) {
  return memset2D<unsigned int>(dstDevice, N * 4, ui, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD32, cuMemsetD32_v2, (CUdeviceptr, unsigned int, size_t));

NVSOFT_API CUresult cuMemsetD2D8_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned char uc, size_t Width,
                                    size_t Height) {
  return memset2D<unsigned char>(dstDevice, dstPitch, uc, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D8, cuMemsetD2D8_v2, (CUdeviceptr, size_t, unsigned char, size_t, size_t));

NVSOFT_API CUresult cuMemsetD2D8Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned char uc, size_t Width,
                                      size_t Height, CUstream hStream) {
  return memset2D<unsigned char>(dstDevice, dstPitch, uc, Width, Height, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D32_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned int ui, size_t Width,
                                     size_t Height) {
  return memset2D<unsigned int>(dstDevice, dstPitch, ui, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D32, cuMemsetD2D32_v2, (CUdeviceptr, size_t, unsigned int, size_t, size_t));

// Loaded by FFmpeg 8 (nv-codec-headers 13): the 16- and 32-bit memsets in every form. Like every
// *Async call here they run before returning, so they complete in stream order.
NVSOFT_API CUresult cuMemsetD16Async(CUdeviceptr dstDevice, unsigned short us, size_t N, CUstream hStream) {
  return memset2D<unsigned short>(dstDevice, N * 2, us, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
  return memset2D<unsigned int>(dstDevice, N * 4, ui, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D16_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned short us, size_t Width,
                                     size_t Height) {
  return memset2D<unsigned short>(dstDevice, dstPitch, us, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D16, cuMemsetD2D16_v2, (CUdeviceptr, size_t, unsigned short, size_t, size_t));

NVSOFT_API CUresult cuMemsetD2D16Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned short us, size_t Width,
                                       size_t Height, CUstream hStream) {
  return memset2D<unsigned short>(dstDevice, dstPitch, us, Width, Height, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D32Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned int ui, size_t Width,
                                       size_t Height, CUstream hStream) {
  return memset2D<unsigned int>(dstDevice, dstPitch, ui, Width, Height, hStream, true);
}

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

// ---- pointer attributes ----

NVSOFT_API CUresult cuPointerGetAttribute(void* data, int attribute, CUdeviceptr ptr) {
  REQUIRE_INIT();
  if (!data) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  const Alloc* a = r.find(static_cast<uintptr_t>(ptr));
  if (!a) return R(kErrInvalidValue);  // not memory this driver knows
  const bool hostSide = a->kind == MemKind::PinnedHost || a->kind == MemKind::Registered;
  switch (attribute) {
    case kPtrAttrContext: *static_cast<CUcontext*>(data) = a->ctx; return R(kSuccess);
    case kPtrAttrMemoryType:
      *static_cast<unsigned*>(data) = hostSide ? kMemTypeHost : kMemTypeDevice;
      return R(kSuccess);
    case kPtrAttrDevicePointer: *static_cast<CUdeviceptr*>(data) = ptr; return R(kSuccess);
    case kPtrAttrHostPointer:
      if (!hostSide && a->kind != MemKind::Managed) return R(kErrInvalidValue);
      *static_cast<void**>(data) = reinterpret_cast<void*>(static_cast<uintptr_t>(ptr));
      return R(kSuccess);
    case kPtrAttrSyncMemops: *static_cast<int*>(data) = 1; return R(kSuccess);
    case kPtrAttrBufferId: *static_cast<unsigned long long*>(data) = a->id; return R(kSuccess);
    case kPtrAttrIsManaged: *static_cast<int*>(data) = a->kind == MemKind::Managed ? 1 : 0; return R(kSuccess);
    case kPtrAttrDeviceOrdinal: *static_cast<int*>(data) = 0; return R(kSuccess);
    case kPtrAttrRangeStartAddr:
      *static_cast<CUdeviceptr*>(data) = static_cast<CUdeviceptr>(a->base);
      return R(kSuccess);
    case kPtrAttrRangeSize: *static_cast<size_t*>(data) = a->size; return R(kSuccess);
    case kPtrAttrMapped: *static_cast<int*>(data) = 1; return R(kSuccess);
    default: return R(kErrInvalidValue);
  }
}

// ---- streams ----

NVSOFT_API CUresult cuStreamCreate(CUstream* phStream, unsigned int Flags) {
  REQUIRE_INIT();
  if (!phStream || (Flags & ~1u)) return R(kErrInvalidValue);
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  Stream s;
  s.handle = reinterpret_cast<CUstream>(makeHandle(0x51, r.nextId++));
  s.ctx = c->handle;
  s.flags = Flags;
  r.streams.emplace(reinterpret_cast<uintptr_t>(s.handle), s);
  *phStream = s.handle;
  return R(kSuccess);
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
  Registry& r = registry();
  Exclusive lock(r.mu);
  auto it = r.streams.find(reinterpret_cast<uintptr_t>(hStream));
  if (it == r.streams.end()) return R(kErrInvalidHandle);
  r.streams.erase(it);
  return R(kSuccess);
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
  REQUIRE_INIT();
  if (!priority) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = checkStream(r, hStream)) return e;
  auto it = r.streams.find(reinterpret_cast<uintptr_t>(hStream));
  *priority = it == r.streams.end() ? 0 : it->second.priority;
  return R(kSuccess);
}

NVSOFT_API CUresult cuStreamGetFlags(CUstream hStream, unsigned int* flags) {
  REQUIRE_INIT();
  if (!flags) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = checkStream(r, hStream)) return e;
  auto it = r.streams.find(reinterpret_cast<uintptr_t>(hStream));
  *flags = it == r.streams.end() ? 0 : it->second.flags;
  return R(kSuccess);
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
  Registry& r = registry();
  Exclusive lock(r.mu);
  const Context* c = nullptr;
  if (CUresult e = currentCtx(r, &c)) return e;
  Event ev;
  ev.handle = reinterpret_cast<CUevent>(makeHandle(0xE1, r.nextId++));
  ev.ctx = c->handle;
  ev.flags = Flags;
  r.events.emplace(reinterpret_cast<uintptr_t>(ev.handle), ev);
  *phEvent = ev.handle;
  return R(kSuccess);
}

NVSOFT_API CUresult cuEventDestroy_v2(CUevent hEvent) {
  REQUIRE_INIT();
  Registry& r = registry();
  Exclusive lock(r.mu);
  auto it = r.events.find(reinterpret_cast<uintptr_t>(hEvent));
  if (it == r.events.end()) return R(kErrInvalidHandle);
  r.events.erase(it);
  return R(kSuccess);
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

// ---- errors ----

NVSOFT_API CUresult cuGetErrorName(CUresult error, const char** pStr) {
  if (!pStr) return R(kErrInvalidValue);
  const ErrorInfo* e = findError(static_cast<int>(error));
  *pStr = e ? e->name : nullptr;
  return e ? R(kSuccess) : R(kErrInvalidValue);
}

NVSOFT_API CUresult cuGetErrorString(CUresult error, const char** pStr) {
  if (!pStr) return R(kErrInvalidValue);
  const ErrorInfo* e = findError(static_cast<int>(error));
  *pStr = e ? e->text : nullptr;
  return e ? R(kSuccess) : R(kErrInvalidValue);
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

// ---- unsupported features: kernels, modules, textures, arrays, interop ----

#define NVSOFT_UNSUPPORTED(name, args) \
  NVSOFT_API CUresult name args {      \
    REQUIRE_INIT();                    \
    return R(kErrNotSupported);        \
  }

NVSOFT_UNSUPPORTED(cuLaunchKernel, (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                                    unsigned int, unsigned int, CUstream, void**, void**))
NVSOFT_UNSUPPORTED(cuLinkCreate_v2, (unsigned int, CUjit_option*, void**, CUlinkState*))
NVSOFT_ALIAS(CUresult, cuLinkCreate, cuLinkCreate_v2, (unsigned int, CUjit_option*, void**, CUlinkState*));
NVSOFT_UNSUPPORTED(cuLinkAddData_v2,
                   (CUlinkState, CUjitInputType, void*, size_t, const char*, unsigned int, CUjit_option*, void**))
NVSOFT_ALIAS(CUresult, cuLinkAddData, cuLinkAddData_v2,
             (CUlinkState, CUjitInputType, void*, size_t, const char*, unsigned int, CUjit_option*, void**));
NVSOFT_UNSUPPORTED(cuLinkComplete, (CUlinkState, void**, size_t*))
NVSOFT_UNSUPPORTED(cuLinkDestroy, (CUlinkState))
NVSOFT_UNSUPPORTED(cuModuleLoadData, (CUmodule*, const void*))
NVSOFT_UNSUPPORTED(cuModuleLoad, (CUmodule*, const char*))
NVSOFT_UNSUPPORTED(cuModuleUnload, (CUmodule))
NVSOFT_UNSUPPORTED(cuModuleGetFunction, (CUfunction*, CUmodule, const char*))
NVSOFT_UNSUPPORTED(cuModuleGetGlobal_v2, (CUdeviceptr*, size_t*, CUmodule, const char*))
NVSOFT_ALIAS(CUresult, cuModuleGetGlobal, cuModuleGetGlobal_v2, (CUdeviceptr*, size_t*, CUmodule, const char*));
NVSOFT_UNSUPPORTED(cuTexObjectCreate,
                   (CUtexObject*, const CUDA_RESOURCE_DESC*, const CUDA_TEXTURE_DESC*, const CUDA_RESOURCE_VIEW_DESC*))
NVSOFT_UNSUPPORTED(cuTexObjectDestroy, (CUtexObject))
NVSOFT_UNSUPPORTED(cuArrayCreate_v2, (CUarray*, const CUDA_ARRAY_DESCRIPTOR*))
NVSOFT_ALIAS(CUresult, cuArrayCreate, cuArrayCreate_v2, (CUarray*, const CUDA_ARRAY_DESCRIPTOR*));
NVSOFT_UNSUPPORTED(cuArray3DCreate_v2, (CUarray*, const CUDA_ARRAY3D_DESCRIPTOR*))
NVSOFT_ALIAS(CUresult, cuArray3DCreate, cuArray3DCreate_v2, (CUarray*, const CUDA_ARRAY3D_DESCRIPTOR*));
NVSOFT_UNSUPPORTED(cuArrayDestroy, (CUarray))
// FFmpeg 8 loads these; no CUarray can exist here (cuArrayCreate is not supported).
NVSOFT_UNSUPPORTED(cuArrayGetPlane, (CUarray*, CUarray, unsigned int))
NVSOFT_UNSUPPORTED(cuArray3DGetDescriptor_v2, (CUDA_ARRAY3D_DESCRIPTOR*, CUarray))
NVSOFT_ALIAS(CUresult, cuArray3DGetDescriptor, cuArray3DGetDescriptor_v2, (CUDA_ARRAY3D_DESCRIPTOR*, CUarray));
NVSOFT_UNSUPPORTED(cuGLGetDevices_v2, (unsigned int*, CUdevice*, unsigned int, CUGLDeviceList))
NVSOFT_ALIAS(CUresult, cuGLGetDevices, cuGLGetDevices_v2, (unsigned int*, CUdevice*, unsigned int, CUGLDeviceList));
NVSOFT_UNSUPPORTED(cuGraphicsGLRegisterImage, (CUgraphicsResource*, GLuint, GLenum, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsGLRegisterBuffer, (CUgraphicsResource*, GLuint, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsUnregisterResource, (CUgraphicsResource))
NVSOFT_UNSUPPORTED(cuGraphicsResourceSetMapFlags_v2, (CUgraphicsResource, unsigned int))
NVSOFT_ALIAS(CUresult, cuGraphicsResourceSetMapFlags, cuGraphicsResourceSetMapFlags_v2,
             (CUgraphicsResource, unsigned int));
NVSOFT_UNSUPPORTED(cuGraphicsMapResources, (unsigned int, CUgraphicsResource*, CUstream))
NVSOFT_UNSUPPORTED(cuGraphicsUnmapResources, (unsigned int, CUgraphicsResource*, CUstream))
NVSOFT_UNSUPPORTED(cuGraphicsSubResourceGetMappedArray, (CUarray*, CUgraphicsResource, unsigned int, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsResourceGetMappedPointer_v2, (CUdeviceptr*, size_t*, CUgraphicsResource))
NVSOFT_ALIAS(CUresult, cuGraphicsResourceGetMappedPointer, cuGraphicsResourceGetMappedPointer_v2,
             (CUdeviceptr*, size_t*, CUgraphicsResource));
NVSOFT_UNSUPPORTED(cuImportExternalMemory, (CUexternalMemory*, const CUDA_EXTERNAL_MEMORY_HANDLE_DESC*))
NVSOFT_UNSUPPORTED(cuDestroyExternalMemory, (CUexternalMemory))
NVSOFT_UNSUPPORTED(cuExternalMemoryGetMappedBuffer,
                   (CUdeviceptr*, CUexternalMemory, const CUDA_EXTERNAL_MEMORY_BUFFER_DESC*))
NVSOFT_UNSUPPORTED(cuExternalMemoryGetMappedMipmappedArray,
                   (CUmipmappedArray*, CUexternalMemory, const CUDA_EXTERNAL_MEMORY_MIPMAPPED_ARRAY_DESC*))
NVSOFT_UNSUPPORTED(cuMipmappedArrayGetLevel, (CUarray*, CUmipmappedArray, unsigned int))
NVSOFT_UNSUPPORTED(cuMipmappedArrayDestroy, (CUmipmappedArray))
NVSOFT_UNSUPPORTED(cuImportExternalSemaphore, (CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC*))
NVSOFT_UNSUPPORTED(cuDestroyExternalSemaphore, (CUexternalSemaphore))
NVSOFT_UNSUPPORTED(cuSignalExternalSemaphoresAsync,
                   (const CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS*, unsigned int, CUstream))
NVSOFT_UNSUPPORTED(cuWaitExternalSemaphoresAsync,
                   (const CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS*, unsigned int, CUstream))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerConnect, (CUeglStreamConnection*, ffnv_EGLStreamKHR, ffnv_EGLint, ffnv_EGLint))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerDisconnect, (CUeglStreamConnection*))
NVSOFT_UNSUPPORTED(cuEGLStreamConsumerDisconnect, (CUeglStreamConnection*))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerPresentFrame, (CUeglStreamConnection*, CUeglFrame, CUstream*))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerReturnFrame, (CUeglStreamConnection*, CUeglFrame*, CUstream*))
NVSOFT_UNSUPPORTED(cuD3D11GetDevice, (CUdevice*, void*))
NVSOFT_UNSUPPORTED(cuD3D11GetDevices, (unsigned int*, CUdevice*, unsigned int, void*, CUd3d11DeviceList))
NVSOFT_UNSUPPORTED(cuGraphicsD3D11RegisterResource, (CUgraphicsResource*, void*, unsigned int))

// ---- cuGetProcAddress ----

namespace {

// The exported entry points are looked up in this library's own dynamic
// symbol table, so the answer always matches what the library exports.
void* selfHandle() {
  static void* h = [] {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&cuInit), &info) || !info.dli_fname) return (void*)nullptr;
    return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }();
  return h;
}

void* selfSymbol(const std::string& name) {
  void* h = selfHandle();
  if (!h) return nullptr;
  void* p = dlsym(h, name.c_str());
  if (!p) return nullptr;
  Dl_info mine{}, theirs{};
  if (!dladdr(reinterpret_cast<void*>(&cuInit), &mine) || !dladdr(p, &theirs)) return nullptr;
  return mine.dli_fbase == theirs.dli_fbase ? p : nullptr;  // only our own symbols
}

// CUDA version from which cuGetProcAddress("<base>") answers "<base>_v2".
int v2Since(const std::string& base) {
  static const std::pair<const char*, int> kTable[] = {
      {"cuGetProcAddress", 12000},
      {"cuDeviceGetUuid", 11040},
      {"cuDevicePrimaryCtxRelease", 11000},
      {"cuDevicePrimaryCtxSetFlags", 11000},
      {"cuDevicePrimaryCtxReset", 11000},
      {"cuCtxDestroy", 4000},
      {"cuCtxPushCurrent", 4000},
      {"cuCtxPopCurrent", 4000},
      {"cuStreamDestroy", 4000},
      {"cuEventDestroy", 4000},
      {"cuMemHostRegister", 6050},
      {"cuLinkCreate", 6050},
      {"cuLinkAddData", 6050},
      {"cuGLGetDevices", 6050},
      {"cuGraphicsResourceGetMappedPointer", 3000},
      {"cuGraphicsResourceSetMapFlags", 6050},
  };
  for (const auto& e : kTable)
    if (base == e.first) return e.second;
  return 3020;  // the 64-bit device pointer _v2 functions arrived with CUDA 3.2
}

CUresult procAddress(const char* symbol, void** pfn, int cudaVersion, unsigned long long flags, int* status) {
  if (!symbol || !pfn) return R(kErrInvalidValue);
  *pfn = nullptr;
  if (flags > kGetProcAddressPerThreadDefaultStream) return R(kErrInvalidValue);
  const std::string base(symbol);
  void* p = nullptr;
  if (base.rfind("cu", 0) == 0) {
    if (cudaVersion >= v2Since(base)) p = selfSymbol(base + "_v2");
    if (!p) p = selfSymbol(base);
  }
  if (status) *status = p ? kProcAddressSuccess : kProcAddressSymbolNotFound;
  if (!p) return R(kErrNotFound);
  *pfn = p;
  return R(kSuccess);
}

}  // namespace

NVSOFT_API CUresult cuGetProcAddress(const char* symbol, void** pfn, int cudaVersion, unsigned long long flags) {
  return procAddress(symbol, pfn, cudaVersion, flags, nullptr);
}

NVSOFT_API CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int cudaVersion, unsigned long long flags,
                                        int* symbolStatus) {
  return procAddress(symbol, pfn, cudaVersion, flags, symbolStatus);
}

// ---- non-NVIDIA extras ----

NVSOFT_API int nvsoft_cuda_live_allocations(unsigned long long* count, unsigned long long* bytes) {
  Registry& r = registry();
  Shared lock(r.mu);
  unsigned long long n = 0, b = 0;
  for (const auto& kv : r.allocs) {
    ++n;
    b += kv.second.size;
  }
  if (count) *count = n;
  if (bytes) *bytes = b;
  return 0;
}

NVSOFT_API const char* nvsoft_cuda_identify(void) {
  return "nvenc-ts software CUDA driver (host memory, 1 device, reports CUDA 12.8, sm_89)";
}

// ---- compile-time signature checks against nv-codec-headers' typedefs ----
#define NVSOFT_SIG(fn, T) static_assert(std::is_same_v<decltype(&fn), T*>, #fn " signature")
NVSOFT_SIG(cuInit, tcuInit);
NVSOFT_SIG(cuDriverGetVersion, tcuDriverGetVersion);
NVSOFT_SIG(cuDeviceGetCount, tcuDeviceGetCount);
NVSOFT_SIG(cuDeviceGet, tcuDeviceGet);
NVSOFT_SIG(cuDeviceGetAttribute, tcuDeviceGetAttribute);
NVSOFT_SIG(cuDeviceGetName, tcuDeviceGetName);
NVSOFT_SIG(cuDeviceGetUuid, tcuDeviceGetUuid);
NVSOFT_SIG(cuDeviceGetUuid_v2, tcuDeviceGetUuid_v2);
NVSOFT_SIG(cuDeviceGetLuid, tcuDeviceGetLuid);
NVSOFT_SIG(cuDeviceGetByPCIBusId, tcuDeviceGetByPCIBusId);
NVSOFT_SIG(cuDeviceGetPCIBusId, tcuDeviceGetPCIBusId);
NVSOFT_SIG(cuDeviceComputeCapability, tcuDeviceComputeCapability);
NVSOFT_SIG(cuCtxCreate_v2, tcuCtxCreate_v2);
NVSOFT_SIG(cuCtxGetCurrent, tcuCtxGetCurrent);
NVSOFT_SIG(cuCtxSetLimit, tcuCtxSetLimit);
NVSOFT_SIG(cuCtxPushCurrent_v2, tcuCtxPushCurrent_v2);
NVSOFT_SIG(cuCtxPopCurrent_v2, tcuCtxPopCurrent_v2);
NVSOFT_SIG(cuCtxDestroy_v2, tcuCtxDestroy_v2);
NVSOFT_SIG(cuMemAlloc_v2, tcuMemAlloc_v2);
NVSOFT_SIG(cuMemAllocPitch_v2, tcuMemAllocPitch_v2);
NVSOFT_SIG(cuMemAllocManaged, tcuMemAllocManaged);
NVSOFT_SIG(cuMemsetD8Async, tcuMemsetD8Async);
NVSOFT_SIG(cuMemFree_v2, tcuMemFree_v2);
NVSOFT_SIG(cuMemcpy, tcuMemcpy);
NVSOFT_SIG(cuMemcpyAsync, tcuMemcpyAsync);
NVSOFT_SIG(cuMemcpy2D_v2, tcuMemcpy2D_v2);
NVSOFT_SIG(cuMemcpy2DAsync_v2, tcuMemcpy2DAsync_v2);
NVSOFT_SIG(cuMemcpyHtoD_v2, tcuMemcpyHtoD_v2);
NVSOFT_SIG(cuMemcpyHtoDAsync_v2, tcuMemcpyHtoDAsync_v2);
NVSOFT_SIG(cuMemcpyDtoH_v2, tcuMemcpyDtoH_v2);
NVSOFT_SIG(cuMemcpyDtoHAsync_v2, tcuMemcpyDtoHAsync_v2);
NVSOFT_SIG(cuMemcpyDtoD_v2, tcuMemcpyDtoD_v2);
NVSOFT_SIG(cuMemcpyDtoDAsync_v2, tcuMemcpyDtoDAsync_v2);
NVSOFT_SIG(cuGetErrorName, tcuGetErrorName);
NVSOFT_SIG(cuGetErrorString, tcuGetErrorString);
NVSOFT_SIG(cuCtxGetDevice, tcuCtxGetDevice);
NVSOFT_SIG(cuDevicePrimaryCtxRetain, tcuDevicePrimaryCtxRetain);
NVSOFT_SIG(cuDevicePrimaryCtxRelease, tcuDevicePrimaryCtxRelease);
NVSOFT_SIG(cuDevicePrimaryCtxSetFlags, tcuDevicePrimaryCtxSetFlags);
NVSOFT_SIG(cuDevicePrimaryCtxGetState, tcuDevicePrimaryCtxGetState);
NVSOFT_SIG(cuDevicePrimaryCtxReset, tcuDevicePrimaryCtxReset);
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
NVSOFT_SIG(cuLaunchKernel, tcuLaunchKernel);
NVSOFT_SIG(cuLinkCreate, tcuLinkCreate);
NVSOFT_SIG(cuLinkAddData, tcuLinkAddData);
NVSOFT_SIG(cuLinkComplete, tcuLinkComplete);
NVSOFT_SIG(cuLinkDestroy, tcuLinkDestroy);
NVSOFT_SIG(cuModuleLoadData, tcuModuleLoadData);
NVSOFT_SIG(cuModuleUnload, tcuModuleUnload);
NVSOFT_SIG(cuModuleGetFunction, tcuModuleGetFunction);
NVSOFT_SIG(cuModuleGetGlobal, tcuModuleGetGlobal);
NVSOFT_SIG(cuTexObjectCreate, tcuTexObjectCreate);
NVSOFT_SIG(cuTexObjectDestroy, tcuTexObjectDestroy);
NVSOFT_SIG(cuGLGetDevices_v2, tcuGLGetDevices_v2);
NVSOFT_SIG(cuGraphicsGLRegisterImage, tcuGraphicsGLRegisterImage);
NVSOFT_SIG(cuGraphicsUnregisterResource, tcuGraphicsUnregisterResource);
NVSOFT_SIG(cuGraphicsMapResources, tcuGraphicsMapResources);
NVSOFT_SIG(cuGraphicsUnmapResources, tcuGraphicsUnmapResources);
NVSOFT_SIG(cuGraphicsSubResourceGetMappedArray, tcuGraphicsSubResourceGetMappedArray);
NVSOFT_SIG(cuGraphicsResourceGetMappedPointer_v2, tcuGraphicsResourceGetMappedPointer);
NVSOFT_SIG(cuImportExternalMemory, tcuImportExternalMemory);
NVSOFT_SIG(cuDestroyExternalMemory, tcuDestroyExternalMemory);
NVSOFT_SIG(cuExternalMemoryGetMappedBuffer, tcuExternalMemoryGetMappedBuffer);
NVSOFT_SIG(cuExternalMemoryGetMappedMipmappedArray, tcuExternalMemoryGetMappedMipmappedArray);
NVSOFT_SIG(cuMipmappedArrayGetLevel, tcuMipmappedArrayGetLevel);
NVSOFT_SIG(cuMipmappedArrayDestroy, tcuMipmappedArrayDestroy);
NVSOFT_SIG(cuImportExternalSemaphore, tcuImportExternalSemaphore);
NVSOFT_SIG(cuDestroyExternalSemaphore, tcuDestroyExternalSemaphore);
NVSOFT_SIG(cuSignalExternalSemaphoresAsync, tcuSignalExternalSemaphoresAsync);
NVSOFT_SIG(cuWaitExternalSemaphoresAsync, tcuWaitExternalSemaphoresAsync);
NVSOFT_SIG(cuArrayCreate_v2, tcuArrayCreate);
NVSOFT_SIG(cuArray3DCreate_v2, tcuArray3DCreate);
NVSOFT_SIG(cuArrayDestroy, tcuArrayDestroy);
NVSOFT_SIG(cuEGLStreamProducerConnect, tcuEGLStreamProducerConnect);
NVSOFT_SIG(cuEGLStreamProducerDisconnect, tcuEGLStreamProducerDisconnect);
NVSOFT_SIG(cuEGLStreamConsumerDisconnect, tcuEGLStreamConsumerDisconnect);
NVSOFT_SIG(cuEGLStreamProducerPresentFrame, tcuEGLStreamProducerPresentFrame);
NVSOFT_SIG(cuEGLStreamProducerReturnFrame, tcuEGLStreamProducerReturnFrame);
NVSOFT_SIG(cuD3D11GetDevice, tcuD3D11GetDevice);
NVSOFT_SIG(cuD3D11GetDevices, tcuD3D11GetDevices);
NVSOFT_SIG(cuGraphicsD3D11RegisterResource, tcuGraphicsD3D11RegisterResource);
