// Memory: device, managed and pinned allocations, registered host ranges, pointer attributes.
#include "internal.hpp"

using namespace nvsoft;

namespace nvsoft {

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

}  // namespace nvsoft

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

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuMemAlloc_v2, tcuMemAlloc_v2);
NVSOFT_SIG(cuMemAllocPitch_v2, tcuMemAllocPitch_v2);
NVSOFT_SIG(cuMemAllocManaged, tcuMemAllocManaged);
NVSOFT_SIG(cuMemFree_v2, tcuMemFree_v2);
