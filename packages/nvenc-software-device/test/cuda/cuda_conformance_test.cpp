// Conformance table of the software libcuda.so.1 against the CUDA driver API reference (the
// \return lists and rules in NVIDIA's cuda.h), for the calls NVENC clients make. A fresh process is
// needed: the first rows run before cuInit.
// usage: nvsoft_cuda_conformance_test <path/to/libcuda.so.1>
#include <ffnvcodec/dynlink_cuda.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

namespace {

int passed = 0, failed = 0;
void* lib = nullptr;

// CUresult values from NVIDIA's cuda.h (dynlink_cuda.h declares only some of them).
constexpr int OK = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, INVALID_DEVICE = 101, INVALID_CONTEXT = 201,
              INVALID_HANDLE = 400, NOT_FOUND = 500, CONTEXT_IS_DESTROYED = 709;

const char* name(int r) {
  switch (r) {
    case OK: return "SUCCESS";
    case INVALID_VALUE: return "INVALID_VALUE";
    case NOT_INITIALIZED: return "NOT_INITIALIZED";
    case INVALID_DEVICE: return "INVALID_DEVICE";
    case INVALID_CONTEXT: return "INVALID_CONTEXT";
    case INVALID_HANDLE: return "INVALID_HANDLE";
    case NOT_FOUND: return "NOT_FOUND";
    case CONTEXT_IS_DESTROYED: return "CONTEXT_IS_DESTROYED";
    default: return "other";
  }
}

void row(const char* fn, const std::string& input, int want, CUresult got, const char* doc) {
  bool ok = (int)got == want;
  (ok ? passed : failed)++;
  printf("| %s | %s | %s | %s (%d) | %s | %s |\n", fn, input.c_str(), name(want), name((int)got), (int)got, doc,
         ok ? "ok" : "FAIL");
}

template <typename T>
T* sym(const char* n) {
  void* p = dlsym(lib, n);
  if (!p) {
    printf("missing symbol %s\n", n);
    exit(2);
  }
  return (T*)p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <libcuda.so.1>\n", argv[0]);
    return 2;
  }
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 2;
  }
  auto cuInit = sym<CUresult CUDAAPI(unsigned)>("cuInit");
  auto cuDriverGetVersion = sym<CUresult CUDAAPI(int*)>("cuDriverGetVersion");
  auto cuDeviceGet = sym<CUresult CUDAAPI(CUdevice*, int)>("cuDeviceGet");
  auto cuDeviceGetCount = sym<CUresult CUDAAPI(int*)>("cuDeviceGetCount");
  auto cuDeviceGetAttribute = sym<CUresult CUDAAPI(int*, CUdevice_attribute, CUdevice)>("cuDeviceGetAttribute");
  auto cuCtxCreate = sym<CUresult CUDAAPI(CUcontext*, unsigned, CUdevice)>("cuCtxCreate_v2");
  auto cuCtxDestroy = sym<CUresult CUDAAPI(CUcontext)>("cuCtxDestroy_v2");
  auto cuCtxPush = sym<CUresult CUDAAPI(CUcontext)>("cuCtxPushCurrent_v2");
  auto cuCtxPop = sym<CUresult CUDAAPI(CUcontext*)>("cuCtxPopCurrent_v2");
  auto cuCtxGetCurrent = sym<CUresult CUDAAPI(CUcontext*)>("cuCtxGetCurrent");
  auto cuCtxSetCurrent = sym<CUresult CUDAAPI(CUcontext)>("cuCtxSetCurrent");
  auto cuCtxGetApiVersion = sym<CUresult CUDAAPI(CUcontext, unsigned*)>("cuCtxGetApiVersion");
  auto cuCtxSynchronize = sym<CUresult CUDAAPI(void)>("cuCtxSynchronize");
  auto cuPrimaryRetain = sym<CUresult CUDAAPI(CUcontext*, CUdevice)>("cuDevicePrimaryCtxRetain");
  auto cuPrimaryRelease = sym<CUresult CUDAAPI(CUdevice)>("cuDevicePrimaryCtxRelease");
  auto cuMemAlloc = sym<CUresult CUDAAPI(CUdeviceptr*, size_t)>("cuMemAlloc_v2");
  auto cuMemAllocPitch = sym<CUresult CUDAAPI(CUdeviceptr*, size_t*, size_t, size_t, unsigned)>("cuMemAllocPitch_v2");
  auto cuMemFree = sym<CUresult CUDAAPI(CUdeviceptr)>("cuMemFree_v2");
  auto cuMemFreeHost = sym<CUresult CUDAAPI(void*)>("cuMemFreeHost");
  auto cuMemcpyHtoD = sym<CUresult CUDAAPI(CUdeviceptr, const void*, size_t)>("cuMemcpyHtoD_v2");
  auto cuMemcpy2D = sym<CUresult CUDAAPI(const CUDA_MEMCPY2D*)>("cuMemcpy2D_v2");
  auto cuMemGetAddressRange = sym<CUresult CUDAAPI(CUdeviceptr*, size_t*, CUdeviceptr)>("cuMemGetAddressRange_v2");
  auto cuStreamCreate = sym<CUresult CUDAAPI(CUstream*, unsigned)>("cuStreamCreate");
  auto cuStreamDestroy = sym<CUresult CUDAAPI(CUstream)>("cuStreamDestroy_v2");

  printf("CUDA driver API conformance (software libcuda)\n\n");
  printf("| function | input | documented | got | source | |\n|---|---|---|---|---|---|\n");
  const char* listed = "cuda.h (listed)";
  CUcontext ctx = nullptr, cur = nullptr;
  CUdeviceptr dp = 0;
  CUdevice dev = 0;
  CUstream stream = nullptr;
  int n = 0;
  std::vector<uint8_t> host(4096);
  CUDA_MEMCPY2D c = {};

  // ---- before cuInit
  const char* ni = "cuda.h (NOT_INITIALIZED listed)";
  row("cuDeviceGet", "before cuInit", NOT_INITIALIZED, cuDeviceGet(&dev, 0), ni);
  row("cuDeviceGetCount", "before cuInit", NOT_INITIALIZED, cuDeviceGetCount(&n), ni);
  row("cuCtxCreate", "before cuInit", NOT_INITIALIZED, cuCtxCreate(&ctx, 0, 0), ni);
  row("cuCtxPopCurrent", "before cuInit", NOT_INITIALIZED, cuCtxPop(&ctx), ni);
  row("cuCtxGetCurrent", "before cuInit", NOT_INITIALIZED, cuCtxGetCurrent(&ctx), ni);
  row("cuDevicePrimaryCtxRetain", "before cuInit", NOT_INITIALIZED, cuPrimaryRetain(&ctx, 0), ni);
  row("cuMemAlloc", "before cuInit", NOT_INITIALIZED, cuMemAlloc(&dp, 16), ni);
  row("cuMemFree", "before cuInit", NOT_INITIALIZED, cuMemFree(0x1000), ni);
  row("cuMemcpy2D", "before cuInit", NOT_INITIALIZED, cuMemcpy2D(&c), ni);
  row("cuStreamCreate", "before cuInit", NOT_INITIALIZED, cuStreamCreate(&stream, 0), ni);
  row("cuDriverGetVersion", "before cuInit", OK, cuDriverGetVersion(&n), "cuda.h (NOT_INITIALIZED not listed)");
  row("cuInit", "Flags 1", INVALID_VALUE, cuInit(1), "cuda.h (\"Flags must be 0\")");
  row("cuInit", "Flags 0", OK, cuInit(0), listed);

  // ---- contexts
  row("cuCtxPopCurrent", "empty context stack", INVALID_CONTEXT, cuCtxPop(&cur), listed);
  row("cuCtxSynchronize", "no current context", INVALID_CONTEXT, cuCtxSynchronize(), listed);
  row("cuMemAlloc", "no current context", INVALID_CONTEXT, cuMemAlloc(&dp, 16), listed);
  row("cuCtxCreate", "pctx NULL", INVALID_VALUE, cuCtxCreate(nullptr, 0, 0), listed);
  row("cuCtxCreate", "device 7", INVALID_DEVICE, cuCtxCreate(&ctx, 0, 7), listed);
  row("cuDevicePrimaryCtxRelease", "never retained", INVALID_CONTEXT, cuPrimaryRelease(0), listed);
  CUcontext dead = nullptr;
  cuCtxCreate(&dead, 0, 0);
  row("cuCtxDestroy", "current context", OK, cuCtxDestroy(dead), listed);
  row("cuCtxGetCurrent", "after destroying the current context (popped)", OK, cuCtxGetCurrent(&cur), listed);
  row("cuCtxPushCurrent", "destroyed context", INVALID_CONTEXT, cuCtxPush(dead), listed);
  row("cuCtxSetCurrent", "destroyed context", INVALID_CONTEXT, cuCtxSetCurrent(dead), listed);
  row("cuCtxDestroy", "destroyed context", INVALID_CONTEXT, cuCtxDestroy(dead), listed);
  unsigned api = 0;
  row("cuCtxGetApiVersion", "destroyed context", INVALID_CONTEXT, cuCtxGetApiVersion(dead, &api), listed);
  // "If ctx is current to other threads, ... attempting to access ctx from those threads will
  // result in the error CUDA_ERROR_CONTEXT_IS_DESTROYED" (cuCtxDestroy).
  {
    CUcontext shared = nullptr;
    cuCtxCreate(&shared, 0, 0);
    cuCtxPop(&cur);
    CUresult alloc = CUDA_SUCCESS, sync = CUDA_SUCCESS, get = CUDA_SUCCESS;
    CUcontext seen = nullptr;
    std::atomic<bool> pushed{false}, destroyed{false};
    std::thread t([&] {
      pushed = cuCtxPush(shared) == CUDA_SUCCESS;
      while (!destroyed) std::this_thread::yield();
      CUdeviceptr p = 0;
      alloc = cuMemAlloc(&p, 16);
      sync = cuCtxSynchronize();
      get = cuCtxGetCurrent(&seen);
      cuCtxPop(&seen);
    });
    while (!pushed) std::this_thread::yield();
    cuCtxDestroy(shared);
    destroyed = true;
    t.join();
    row("cuMemAlloc", "context destroyed while current to this thread", CONTEXT_IS_DESTROYED, alloc,
        "cuda.h (cuCtxDestroy)");
    row("cuCtxSynchronize", "context destroyed while current to this thread", CONTEXT_IS_DESTROYED, sync,
        "cuda.h (cuCtxDestroy)");
    row("cuCtxGetCurrent", "context destroyed while current to this thread (\"remains current\")", OK, get,
        "cuda.h (cuCtxDestroy)");
  }

  // ---- memory
  cuCtxCreate(&ctx, 0, 0);
  row("cuMemFree", "pointer never allocated", INVALID_VALUE, cuMemFree(0x12340000), listed);
  row("cuMemAlloc", "bytesize 0", INVALID_VALUE, cuMemAlloc(&dp, 0), listed);
  row("cuMemAlloc", "4096 bytes", OK, cuMemAlloc(&dp, 4096), listed);
  row("cuMemFree", "interior pointer", INVALID_VALUE, cuMemFree(dp + 16), listed);
  row("cuMemFreeHost", "device pointer", INVALID_VALUE, cuMemFreeHost((void*)dp), listed);
  CUdeviceptr base = 0;
  size_t size = 0;
  row("cuMemGetAddressRange", "interior pointer", OK, cuMemGetAddressRange(&base, &size, dp + 100), listed);
  row("cuMemGetAddressRange", "both outputs NULL (\"optional\")", OK, cuMemGetAddressRange(nullptr, nullptr, dp),
      "cuda.h (pbase/psize optional)");
  row("cuMemGetAddressRange", "pointer never allocated", NOT_FOUND, cuMemGetAddressRange(&base, &size, 0x12340000),
      listed);
  size_t pitch = 0;
  CUdeviceptr pitched = 0;
  row("cuMemAllocPitch", "ElementSizeBytes 3", INVALID_VALUE, cuMemAllocPitch(&pitched, &pitch, 64, 4, 3),
      "cuda.h (ElementSizeBytes 4, 8 or 16)");
  row("cuMemcpyHtoD", "past the end of the allocation", INVALID_VALUE, cuMemcpyHtoD(dp, host.data(), 4097), listed);

  // cuMemcpy2D: "srcPitch must be greater than or equal to WidthInBytes + srcXInBytes, and dstPitch
  // must be greater than or equal to WidthInBytes + dstXInBytes"; pitches above MAX_PITCH fail.
  auto copy = [&](const char* what, int want, auto tweak) {
    c = {};
    c.srcMemoryType = CU_MEMORYTYPE_HOST;
    c.srcHost = host.data();
    c.srcPitch = 256;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = dp;
    c.dstPitch = 256;
    c.WidthInBytes = 128;
    c.Height = 8;
    tweak(c);
    row("cuMemcpy2D", what, want, cuMemcpy2D(&c), "cuda.h (pitch rules)");
  };
  copy("valid host -> device", OK, [](CUDA_MEMCPY2D&) {});
  copy("srcPitch < WidthInBytes", INVALID_VALUE, [](CUDA_MEMCPY2D& x) { x.srcPitch = 64; });
  copy("dstPitch < WidthInBytes", INVALID_VALUE, [](CUDA_MEMCPY2D& x) { x.dstPitch = 64; });
  copy("srcPitch < WidthInBytes + srcXInBytes", INVALID_VALUE, [](CUDA_MEMCPY2D& x) { x.srcXInBytes = 200; });
  copy("dstPitch < WidthInBytes + dstXInBytes", INVALID_VALUE, [](CUDA_MEMCPY2D& x) { x.dstXInBytes = 200; });
  int maxPitch = 0;
  cuDeviceGetAttribute(&maxPitch, (CUdevice_attribute)11, 0);  // CU_DEVICE_ATTRIBUTE_MAX_PITCH (cuda.h)
  copy("srcPitch > CU_DEVICE_ATTRIBUTE_MAX_PITCH (one row)", INVALID_VALUE,
       [&](CUDA_MEMCPY2D& x) { x.srcPitch = (size_t)maxPitch + 1, x.Height = 1; });
  copy("destination rows past the allocation", INVALID_VALUE, [](CUDA_MEMCPY2D& x) { x.Height = 17; });
  row("cuMemcpy2D", "pCopy NULL", INVALID_VALUE, cuMemcpy2D(nullptr), listed);

  // ---- streams
  row("cuStreamCreate", "stream", OK, cuStreamCreate(&stream, 0), listed);
  row("cuStreamDestroy", "stream", OK, cuStreamDestroy(stream), listed);
  row("cuStreamDestroy", "destroyed stream", INVALID_HANDLE, cuStreamDestroy(stream), listed);

  // ---- what a destroyed context owned is gone
  row("cuCtxDestroy", "context with a live allocation", OK, cuCtxDestroy(ctx), listed);
  CUcontext other = nullptr;
  cuCtxCreate(&other, 0, 0);
  row("cuMemFree", "allocation of a destroyed context", INVALID_VALUE, cuMemFree(dp),
      "cuda.h (cuCtxDestroy frees the context's allocations)");
  cuCtxDestroy(other);

  printf("\nconformance: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
