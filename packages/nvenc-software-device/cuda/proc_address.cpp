// cuGetProcAddress and the non-NVIDIA extras (identification, leak counters).
#include "internal.hpp"

using namespace nvsoft;

// ---- cuGetProcAddress ----

namespace {

// The exported entry points are looked up in this library's own dynamic
// symbol table, so the answer always matches what the library exports (this
// library is found by the address of one of its own functions).
void* selfHandle() {
  static void* h = [] {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&selfHandle), &info) || !info.dli_fname) return (void*)nullptr;
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
  if (!dladdr(reinterpret_cast<void*>(&selfHandle), &mine) || !dladdr(p, &theirs)) return nullptr;
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
