// Behaviour tests for the nvenc-ts software libcuda.so.1.
// usage: nvsoft_cuda_test <path/to/libcuda.so.1>
// The library is dlopen'ed by path (as FFmpeg and the native addon do) and
// every check prints PASS/FAIL with its name; the exit status is the number
// of failures (capped).
#include <ffnvcodec/dynlink_cuda.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int g_failures = 0;
void* g_lib = nullptr;

void check(const std::string& name, bool ok) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", name.c_str());
  if (!ok) ++g_failures;
}

template <typename F>
F* sym(const char* name) {
  void* p = dlsym(g_lib, name);
  if (!p) {
    std::printf("FAIL dlsym(%s): %s\n", name, dlerror());
    std::exit(2);
  }
  return reinterpret_cast<F*>(p);
}

// Official CUresult numbers used below.
constexpr int OK = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, INVALID_DEVICE = 101, INVALID_CONTEXT = 201,
              INVALID_HANDLE = 400, NOT_FOUND = 500, NOT_SUPPORTED = 801, ALREADY_REGISTERED = 712,
              NOT_REGISTERED = 713, CONTEXT_IS_DESTROYED = 709;
constexpr unsigned MEMTYPE_HOST = 1, MEMTYPE_DEVICE = 2, MEMTYPE_ARRAY = 3, MEMTYPE_UNIFIED = 4;

bool is(CUresult r, int want) { return static_cast<int>(r) == want; }

using tcuMemAllocHost = CUresult(void**, size_t);
using tcuMemHostAlloc = CUresult(void**, size_t, unsigned);
using tcuMemFreeHost = CUresult(void*);
using tcuMemHostRegister = CUresult(void*, size_t, unsigned);
using tcuMemHostUnregister = CUresult(void*);
using tcuMemHostGetDevicePointer = CUresult(CUdeviceptr*, void*, unsigned);
using tcuMemsetD8 = CUresult(CUdeviceptr, unsigned char, size_t);
using tcuMemsetD2D8 = CUresult(CUdeviceptr, size_t, unsigned char, size_t, size_t);
using tcuMemGetInfo = CUresult(size_t*, size_t*);
using tcuPointerGetAttribute = CUresult(void*, int, CUdeviceptr);
using tcuCtxSetCurrent = CUresult(CUcontext);
using tcuCtxSynchronize = CUresult(void);
using tcuEventElapsedTime = CUresult(float*, CUevent, CUevent);
using tcuGetProcAddress = CUresult(const char*, void**, int, unsigned long long);
using tcuGetProcAddress_v2 = CUresult(const char*, void**, int, unsigned long long, int*);
using tcuDeviceTotalMem = CUresult(size_t*, CUdevice);
// Entry points newer clients load that dynlink_cuda.h 12.1 does not declare (signatures from
// NVIDIA's CUDA driver API reference).
using tcuMemsetD16Async = CUresult(CUdeviceptr, unsigned short, size_t, CUstream);
using tcuMemsetD32Async = CUresult(CUdeviceptr, unsigned int, size_t, CUstream);
using tcuMemsetD2D16Async = CUresult(CUdeviceptr, size_t, unsigned short, size_t, size_t, CUstream);
using tcuMemsetD2D32Async = CUresult(CUdeviceptr, size_t, unsigned int, size_t, size_t, CUstream);
using tcuMemsetD2D16 = CUresult(CUdeviceptr, size_t, unsigned short, size_t, size_t);
using tcuMemAllocAsync = CUresult(CUdeviceptr*, size_t, CUstream);
using tcuMemFreeAsync = CUresult(CUdeviceptr, CUstream);
using tcuHostFn = void(void*);
using tcuLaunchHostFunc = CUresult(CUstream, tcuHostFn*, void*);
using tcuArrayGetPlane = CUresult(CUarray*, CUarray, unsigned int);
using tcuArray3DGetDescriptor = CUresult(CUDA_ARRAY3D_DESCRIPTOR*, CUarray);
using tcuCtxEnablePeerAccess = CUresult(CUcontext, unsigned int);
using tcuCtxDisablePeerAccess = CUresult(CUcontext);
using tcuDeviceCanAccessPeer = CUresult(int*, CUdevice, CUdevice);
using tcuGraphicsResourceSetMapFlags = CUresult(CUgraphicsResource, unsigned int);
using tnvsoft_live = int(unsigned long long*, unsigned long long*);
using tnvsoft_identify = const char*(void);

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <libcuda.so.1>\n", argv[0]);
    return 2;
  }
  g_lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!g_lib) {
    std::printf("FAIL dlopen: %s\n", dlerror());
    return 2;
  }

  auto cuInit = sym<tcuInit>("cuInit");
  auto cuDriverGetVersion = sym<tcuDriverGetVersion>("cuDriverGetVersion");
  auto cuDeviceGetCount = sym<tcuDeviceGetCount>("cuDeviceGetCount");
  auto cuDeviceGet = sym<tcuDeviceGet>("cuDeviceGet");
  auto cuDeviceGetName = sym<tcuDeviceGetName>("cuDeviceGetName");
  auto cuDeviceGetAttribute = sym<tcuDeviceGetAttribute>("cuDeviceGetAttribute");
  auto cuDeviceComputeCapability = sym<tcuDeviceComputeCapability>("cuDeviceComputeCapability");
  auto cuDeviceTotalMem = sym<tcuDeviceTotalMem>("cuDeviceTotalMem_v2");
  auto cuDeviceGetUuid = sym<tcuDeviceGetUuid>("cuDeviceGetUuid");
  auto cuDeviceGetUuid_v2 = sym<tcuDeviceGetUuid_v2>("cuDeviceGetUuid_v2");
  auto cuCtxCreate = sym<tcuCtxCreate_v2>("cuCtxCreate_v2");
  auto cuCtxDestroy = sym<tcuCtxDestroy_v2>("cuCtxDestroy_v2");
  auto cuCtxPushCurrent = sym<tcuCtxPushCurrent_v2>("cuCtxPushCurrent_v2");
  auto cuCtxPopCurrent = sym<tcuCtxPopCurrent_v2>("cuCtxPopCurrent_v2");
  auto cuCtxGetCurrent = sym<tcuCtxGetCurrent>("cuCtxGetCurrent");
  auto cuCtxSetCurrent = sym<tcuCtxSetCurrent>("cuCtxSetCurrent");
  auto cuCtxGetDevice = sym<tcuCtxGetDevice>("cuCtxGetDevice");
  auto cuCtxSynchronize = sym<tcuCtxSynchronize>("cuCtxSynchronize");
  auto cuCtxSetLimit = sym<tcuCtxSetLimit>("cuCtxSetLimit");
  auto cuPrimaryRetain = sym<tcuDevicePrimaryCtxRetain>("cuDevicePrimaryCtxRetain");
  auto cuPrimaryRelease = sym<tcuDevicePrimaryCtxRelease>("cuDevicePrimaryCtxRelease");
  auto cuPrimarySetFlags = sym<tcuDevicePrimaryCtxSetFlags>("cuDevicePrimaryCtxSetFlags");
  auto cuPrimaryGetState = sym<tcuDevicePrimaryCtxGetState>("cuDevicePrimaryCtxGetState");
  auto cuPrimaryReset = sym<tcuDevicePrimaryCtxReset>("cuDevicePrimaryCtxReset");
  auto cuMemAlloc = sym<tcuMemAlloc_v2>("cuMemAlloc_v2");
  auto cuMemAllocLegacyName = sym<tcuMemAlloc_v2>("cuMemAlloc");
  auto cuMemAllocPitch = sym<tcuMemAllocPitch_v2>("cuMemAllocPitch_v2");
  auto cuMemAllocManaged = sym<tcuMemAllocManaged>("cuMemAllocManaged");
  auto cuMemFree = sym<tcuMemFree_v2>("cuMemFree_v2");
  auto cuMemAllocHost = sym<tcuMemAllocHost>("cuMemAllocHost_v2");
  auto cuMemHostAlloc = sym<tcuMemHostAlloc>("cuMemHostAlloc");
  auto cuMemFreeHost = sym<tcuMemFreeHost>("cuMemFreeHost");
  auto cuMemHostRegister = sym<tcuMemHostRegister>("cuMemHostRegister_v2");
  auto cuMemHostUnregister = sym<tcuMemHostUnregister>("cuMemHostUnregister");
  auto cuMemHostGetDevicePointer = sym<tcuMemHostGetDevicePointer>("cuMemHostGetDevicePointer_v2");
  auto cuMemcpy = sym<tcuMemcpy>("cuMemcpy");
  auto cuMemcpyHtoD = sym<tcuMemcpyHtoD_v2>("cuMemcpyHtoD_v2");
  auto cuMemcpyHtoDAsync = sym<tcuMemcpyHtoDAsync_v2>("cuMemcpyHtoDAsync_v2");
  auto cuMemcpyDtoH = sym<tcuMemcpyDtoH_v2>("cuMemcpyDtoH_v2");
  auto cuMemcpyDtoD = sym<tcuMemcpyDtoD_v2>("cuMemcpyDtoD_v2");
  auto cuMemcpy2D = sym<tcuMemcpy2D_v2>("cuMemcpy2D_v2");
  auto cuMemcpy2DAsync = sym<tcuMemcpy2DAsync_v2>("cuMemcpy2DAsync_v2");
  auto cuMemcpy2DUnaligned = sym<tcuMemcpy2D_v2>("cuMemcpy2DUnaligned_v2");
  auto cuMemsetD8 = sym<tcuMemsetD8>("cuMemsetD8_v2");
  auto cuMemsetD8Async = sym<tcuMemsetD8Async>("cuMemsetD8Async");
  auto cuMemsetD2D8 = sym<tcuMemsetD2D8>("cuMemsetD2D8_v2");
  auto cuMemGetInfo = sym<tcuMemGetInfo>("cuMemGetInfo_v2");
  auto cuPointerGetAttribute = sym<tcuPointerGetAttribute>("cuPointerGetAttribute");
  auto cuStreamCreate = sym<tcuStreamCreate>("cuStreamCreate");
  auto cuStreamDestroy = sym<tcuStreamDestroy_v2>("cuStreamDestroy_v2");
  auto cuStreamSynchronize = sym<tcuStreamSynchronize>("cuStreamSynchronize");
  auto cuStreamQuery = sym<tcuStreamQuery>("cuStreamQuery");
  auto cuStreamWaitEvent = sym<tcuStreamWaitEvent>("cuStreamWaitEvent");
  auto cuStreamAddCallback = sym<tcuStreamAddCallback>("cuStreamAddCallback");
  auto cuEventCreate = sym<tcuEventCreate>("cuEventCreate");
  auto cuEventDestroy = sym<tcuEventDestroy_v2>("cuEventDestroy_v2");
  auto cuEventRecord = sym<tcuEventRecord>("cuEventRecord");
  auto cuEventSynchronize = sym<tcuEventSynchronize>("cuEventSynchronize");
  auto cuEventQuery = sym<tcuEventQuery>("cuEventQuery");
  auto cuEventElapsedTime = sym<tcuEventElapsedTime>("cuEventElapsedTime");
  auto cuGetErrorName = sym<tcuGetErrorName>("cuGetErrorName");
  auto cuGetErrorString = sym<tcuGetErrorString>("cuGetErrorString");
  auto cuGetProcAddress = sym<tcuGetProcAddress>("cuGetProcAddress");
  auto cuGetProcAddress_v2 = sym<tcuGetProcAddress_v2>("cuGetProcAddress_v2");
  auto cuModuleLoadData = sym<tcuModuleLoadData>("cuModuleLoadData");
  auto cuLaunchKernel = sym<tcuLaunchKernel>("cuLaunchKernel");
  auto cuImportExternalMemory = sym<tcuImportExternalMemory>("cuImportExternalMemory");
  auto cuGLGetDevices = sym<tcuGLGetDevices_v2>("cuGLGetDevices_v2");
  auto live = sym<tnvsoft_live>("nvsoft_cuda_live_allocations");
  auto identify = sym<tnvsoft_identify>("nvsoft_cuda_identify");

  auto liveCount = [&] {
    unsigned long long n = 0, b = 0;
    live(&n, &b);
    return n;
  };
  auto liveBytes = [&] {
    unsigned long long n = 0, b = 0;
    live(&n, &b);
    return b;
  };

  // ---------------------------------------------------------------- init order
  int n = -1;
  CUcontext ctx = nullptr;
  CUdeviceptr dp = 0;
  check("before cuInit: cuDeviceGetCount -> NOT_INITIALIZED", is(cuDeviceGetCount(&n), NOT_INITIALIZED));
  check("before cuInit: cuCtxGetCurrent -> NOT_INITIALIZED", is(cuCtxGetCurrent(&ctx), NOT_INITIALIZED));
  check("before cuInit: cuMemAlloc -> NOT_INITIALIZED", is(cuMemAlloc(&dp, 16), NOT_INITIALIZED));
  check("before cuInit: cuCtxCreate -> NOT_INITIALIZED", is(cuCtxCreate(&ctx, 0, 0), NOT_INITIALIZED));
  int ver = 0;
  check("cuDriverGetVersion works before cuInit", is(cuDriverGetVersion(&ver), OK) && ver >= 12000);
  check("cuDriverGetVersion(NULL) -> INVALID_VALUE", is(cuDriverGetVersion(nullptr), INVALID_VALUE));
  const char* s = nullptr;
  check("cuGetErrorName works before cuInit",
        is(cuGetErrorName(CUDA_SUCCESS, &s), OK) && s && std::strcmp(s, "CUDA_SUCCESS") == 0);
  check("cuInit(1) -> INVALID_VALUE", is(cuInit(1), INVALID_VALUE));
  check("cuInit(0)", is(cuInit(0), OK));
  check("cuInit(0) again", is(cuInit(0), OK));
  check("identify", identify() && std::strlen(identify()) > 0);

  // ---------------------------------------------------------------- device
  CUdevice dev = -1;
  check("cuDeviceGetCount == 1", is(cuDeviceGetCount(&n), OK) && n == 1);
  check("cuDeviceGetCount(NULL) -> INVALID_VALUE", is(cuDeviceGetCount(nullptr), INVALID_VALUE));
  check("cuDeviceGet(0)", is(cuDeviceGet(&dev, 0), OK) && dev == 0);
  check("cuDeviceGet(1) -> INVALID_DEVICE", is(cuDeviceGet(&dev, 1), INVALID_DEVICE));
  check("cuDeviceGet(-1) -> INVALID_DEVICE", is(cuDeviceGet(&dev, -1), INVALID_DEVICE));
  check("cuDeviceGet(NULL) -> INVALID_VALUE", is(cuDeviceGet(nullptr, 0), INVALID_VALUE));
  dev = 0;
  char name[128] = {};
  check("cuDeviceGetName", is(cuDeviceGetName(name, sizeof name, 0), OK) && std::strstr(name, "software") != nullptr);
  char shortName[5] = {'x', 'x', 'x', 'x', 'x'};
  check("cuDeviceGetName truncates", is(cuDeviceGetName(shortName, 5, 0), OK) && shortName[4] == 0);
  check("cuDeviceGetName(dev 3) -> INVALID_DEVICE", is(cuDeviceGetName(name, 128, 3), INVALID_DEVICE));
  int major = 0, minor = 0, v = -1;
  check("cuDeviceComputeCapability 8.9",
        is(cuDeviceComputeCapability(&major, &minor, 0), OK) && major == 8 && minor == 9);
  check("attr COMPUTE_CAPABILITY_MAJOR",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0), OK) && v == 8);
  check("attr COMPUTE_CAPABILITY_MINOR",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, 0), OK) && v == 9);
  check("attr TEXTURE_PITCH_ALIGNMENT",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT, 0), OK) && v == 32);
  check("attr TEXTURE_ALIGNMENT",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, 0), OK) && v == 512);
  check("attr UNIFIED_ADDRESSING",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, 0), OK) && v == 1);
  check("attr CAN_MAP_HOST_MEMORY",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, 0), OK) && v == 1);
  check("attr INTEGRATED", is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_INTEGRATED, 0), OK) && v == 0);
  check("attr on device 1 -> INVALID_DEVICE",
        is(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_INTEGRATED, 1), INVALID_DEVICE));
  check("attr 0 -> INVALID_VALUE", is(cuDeviceGetAttribute(&v, static_cast<CUdevice_attribute>(0), 0), INVALID_VALUE));
  check("attr NULL out -> INVALID_VALUE",
        is(cuDeviceGetAttribute(nullptr, CU_DEVICE_ATTRIBUTE_INTEGRATED, 0), INVALID_VALUE));
  size_t total = 0;
  check("cuDeviceTotalMem_v2 > 0", is(cuDeviceTotalMem(&total, 0), OK) && total > 0);
  CUuuid u1{}, u2{};
  check("cuDeviceGetUuid == _v2", is(cuDeviceGetUuid(&u1, 0), OK) && is(cuDeviceGetUuid_v2(&u2, 0), OK) &&
                                      std::memcmp(u1.bytes, u2.bytes, 16) == 0);

  // ---------------------------------------------------------------- no context
  check("no context: cuCtxGetCurrent -> NULL", is(cuCtxGetCurrent(&ctx), OK) && ctx == nullptr);
  check("no context: cuMemAlloc -> INVALID_CONTEXT", is(cuMemAlloc(&dp, 64), INVALID_CONTEXT));
  char hostbuf[64] = {};
  check("no context: cuMemcpyHtoD -> INVALID_CONTEXT", is(cuMemcpyHtoD(0x1000, hostbuf, 1), INVALID_CONTEXT));
  check("no context: cuCtxGetDevice -> INVALID_CONTEXT", is(cuCtxGetDevice(&dev), INVALID_CONTEXT));
  check("no context: cuCtxPopCurrent -> INVALID_CONTEXT", is(cuCtxPopCurrent(&ctx), INVALID_CONTEXT));
  check("no context: cuCtxSynchronize -> INVALID_CONTEXT", is(cuCtxSynchronize(), INVALID_CONTEXT));

  // ---------------------------------------------------------------- context stack
  CUcontext a = nullptr, b = nullptr, cur = nullptr;
  check("cuCtxCreate(NULL) -> INVALID_VALUE", is(cuCtxCreate(nullptr, 0, 0), INVALID_VALUE));
  check("cuCtxCreate(dev 1) -> INVALID_DEVICE", is(cuCtxCreate(&a, 0, 1), INVALID_DEVICE));
  check("cuCtxCreate a", is(cuCtxCreate(&a, CU_CTX_SCHED_BLOCKING_SYNC, 0), OK) && a != nullptr);
  check("created context is current", is(cuCtxGetCurrent(&cur), OK) && cur == a);
  check("cuCtxGetDevice == 0", is(cuCtxGetDevice(&dev), OK) && dev == 0);
  check("cuCtxSetLimit", is(cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 4096), OK));
  check("cuCtxSetLimit bad -> UNSUPPORTED_LIMIT", is(cuCtxSetLimit(static_cast<CUlimit>(99), 1), 215));
  check("cuCtxCreate b", is(cuCtxCreate(&b, 0, 0), OK) && b != a);
  check("b is current", is(cuCtxGetCurrent(&cur), OK) && cur == b);
  check("pop returns b", is(cuCtxPopCurrent(&cur), OK) && cur == b);
  check("a current again", is(cuCtxGetCurrent(&cur), OK) && cur == a);
  check("push b", is(cuCtxPushCurrent(b), OK) && is(cuCtxGetCurrent(&cur), OK) && cur == b);
  check("pop(NULL) allowed", is(cuCtxPopCurrent(nullptr), OK));
  check("cuCtxSetCurrent(b) replaces top", is(cuCtxSetCurrent(b), OK) && is(cuCtxGetCurrent(&cur), OK) && cur == b);
  check("cuCtxSetCurrent(a)", is(cuCtxSetCurrent(a), OK) && is(cuCtxGetCurrent(&cur), OK) && cur == a);
  check("push bogus handle -> INVALID_CONTEXT",
        is(cuCtxPushCurrent(reinterpret_cast<CUcontext>(uintptr_t{0xdead0})), INVALID_CONTEXT));
  check("push NULL -> INVALID_CONTEXT", is(cuCtxPushCurrent(nullptr), INVALID_CONTEXT));

  {
    bool sawNull = false, allocNoCtx = false, pushOk = false, allocOk = false;
    std::thread t([&] {
      CUcontext c = reinterpret_cast<CUcontext>(1);
      sawNull = is(cuCtxGetCurrent(&c), OK) && c == nullptr;
      CUdeviceptr p = 0;
      allocNoCtx = is(cuMemAlloc(&p, 32), INVALID_CONTEXT);
      pushOk = is(cuCtxPushCurrent(b), OK);
      allocOk = is(cuMemAlloc(&p, 32), OK) && is(cuMemFree(p), OK);
      cuCtxPopCurrent(nullptr);
    });
    t.join();
    check("thread: context stack is per thread (empty)", sawNull);
    check("thread: alloc without context -> INVALID_CONTEXT", allocNoCtx);
    check("thread: push shared context", pushOk);
    check("thread: alloc/free in pushed context", allocOk);
    check("main thread current unaffected", is(cuCtxGetCurrent(&cur), OK) && cur == a);
  }

  // ---------------------------------------------------------------- alloc / free / live counts
  check("live allocations start at 0", liveCount() == 0 && liveBytes() == 0);
  CUdeviceptr d1 = 0, d2 = 0;
  size_t pitch = 0;
  check("cuMemAlloc(0) -> INVALID_VALUE", is(cuMemAlloc(&d1, 0), INVALID_VALUE));
  check("cuMemAlloc(NULL) -> INVALID_VALUE", is(cuMemAlloc(nullptr, 16), INVALID_VALUE));
  check("cuMemAlloc 1000", is(cuMemAlloc(&d1, 1000), OK) && d1 != 0 && d1 % 256 == 0);
  check("live == 1 / 1000 bytes", liveCount() == 1 && liveBytes() == 1000);
  check("cuMemAllocPitch elem 3 -> INVALID_VALUE", is(cuMemAllocPitch(&d2, &pitch, 100, 10, 3), INVALID_VALUE));
  check("cuMemAllocPitch 1000x10", is(cuMemAllocPitch(&d2, &pitch, 1000, 10, 4), OK) && pitch == 1024 && d2 % 256 == 0);
  check("live == 2 / 11240 bytes", liveCount() == 2 && liveBytes() == 1000 + 10240);
  size_t freeB = 0, totalB = 0;
  check("cuMemGetInfo", is(cuMemGetInfo(&freeB, &totalB), OK) && totalB >= freeB && totalB - freeB >= 11240);
  check("free unknown pointer -> INVALID_VALUE", is(cuMemFree(0x12345678), INVALID_VALUE));
  check("free interior pointer -> INVALID_VALUE", is(cuMemFree(d1 + 8), INVALID_VALUE));
  check("free d1", is(cuMemFree(d1), OK));
  check("double free d1 -> INVALID_VALUE", is(cuMemFree(d1), INVALID_VALUE));
  check("free d2", is(cuMemFree(d2), OK));
  check("live back to 0", liveCount() == 0 && liveBytes() == 0);
  CUdeviceptr legacy = 0;
  check("unsuffixed cuMemAlloc alias", is(cuMemAllocLegacyName(&legacy, 8), OK) && is(cuMemFree(legacy), OK));

  // ---------------------------------------------------------------- bounds-checked copies
  std::vector<unsigned char> h(4096), back(4096);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<unsigned char>(i * 7 + 3);
  check("alloc d1 (1000) and d2 (1000)", is(cuMemAlloc(&d1, 1000), OK) && is(cuMemAlloc(&d2, 1000), OK));
  check("HtoD exact size", is(cuMemcpyHtoD(d1, h.data(), 1000), OK));
  check("HtoD one past end -> INVALID_VALUE", is(cuMemcpyHtoD(d1, h.data(), 1001), INVALID_VALUE));
  check("HtoD interior in range", is(cuMemcpyHtoD(d1 + 500, h.data(), 500), OK));
  check("HtoD interior past end -> INVALID_VALUE", is(cuMemcpyHtoD(d1 + 500, h.data(), 501), INVALID_VALUE));
  check("HtoD to untracked address -> INVALID_VALUE",
        is(cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(back.data()), h.data(), 16), INVALID_VALUE));
  check("HtoD NULL host -> INVALID_VALUE", is(cuMemcpyHtoD(d1, nullptr, 16), INVALID_VALUE));
  check("HtoD 0 bytes OK", is(cuMemcpyHtoD(d1, h.data(), 0), OK));
  check("DtoH past end -> INVALID_VALUE", is(cuMemcpyDtoH(back.data(), d1, 1001), INVALID_VALUE));
  check("DtoD past end -> INVALID_VALUE", is(cuMemcpyDtoD(d2, d1 + 1, 1000), INVALID_VALUE));
  check("memsetD8 past end -> INVALID_VALUE", is(cuMemsetD8(d1, 0, 1001), INVALID_VALUE));
  check("HtoDAsync bogus stream -> INVALID_HANDLE",
        is(cuMemcpyHtoDAsync(d1, h.data(), 8, reinterpret_cast<CUstream>(uintptr_t{0x5550})), INVALID_HANDLE));
  check("HtoDAsync NULL stream", is(cuMemcpyHtoDAsync(d1, h.data(), 1000, nullptr), OK));
  std::fill(back.begin(), back.end(), 0);
  check("DtoH round trip",
        is(cuMemcpyDtoH(back.data(), d1, 1000), OK) && std::memcmp(back.data(), h.data(), 1000) == 0);
  check("DtoD", is(cuMemcpyDtoD(d2, d1, 1000), OK));
  std::fill(back.begin(), back.end(), 0);
  check("DtoD content", is(cuMemcpyDtoH(back.data(), d2, 1000), OK) && std::memcmp(back.data(), h.data(), 1000) == 0);
  check("cuMemcpy (unified) device->host", is(cuMemcpy(reinterpret_cast<CUdeviceptr>(back.data()), d2 + 10, 20), OK) &&
                                               std::memcmp(back.data(), h.data() + 10, 20) == 0);
  check("cuMemcpy past device end -> INVALID_VALUE",
        is(cuMemcpy(reinterpret_cast<CUdeviceptr>(back.data()), d2 + 10, 991), INVALID_VALUE));
  check("memsetD8", is(cuMemsetD8(d1 + 100, 0x5a, 50), OK) && is(cuMemcpyDtoH(back.data(), d1, 1000), OK) &&
                        back[99] == h[99] && back[100] == 0x5a && back[149] == 0x5a && back[150] == h[150]);
  check("memsetD8Async", is(cuMemsetD8Async(d1, 0x11, 1000, nullptr), OK) &&
                             is(cuMemcpyDtoH(back.data(), d1, 1000), OK) && back[0] == 0x11 && back[999] == 0x11);
  check("free d1, d2", is(cuMemFree(d1), OK) && is(cuMemFree(d2), OK) && liveCount() == 0);
  check("copy into freed block -> INVALID_VALUE", is(cuMemcpyHtoD(d1, h.data(), 4), INVALID_VALUE));

  // ---------------------------------------------------------------- 2D copies
  {
    const size_t W = 100, H = 20;
    CUdeviceptr img = 0;
    size_t ip = 0;
    check("2D: cuMemAllocPitch 100x20", is(cuMemAllocPitch(&img, &ip, W, H, 4), OK) && ip == 512);
    check("2D: memsetD2D8 fill padding 0xEE", is(cuMemsetD2D8(img, ip, 0xEE, ip, H), OK));
    std::vector<unsigned char> src(W * H), dst(W * H, 0);
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 13 + 1);
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_HOST;
    c.srcHost = src.data();
    c.srcPitch = W;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = img;
    c.dstPitch = ip;
    c.WidthInBytes = W;
    c.Height = H;
    check("2D: host -> device", is(cuMemcpy2D(&c), OK));
    std::vector<unsigned char> raw(ip * H);
    check("2D: padding untouched",
          is(cuMemcpyDtoH(raw.data(), img, ip * H), OK) && raw[W] == 0xEE && raw[ip - 1] == 0xEE && raw[ip] == src[W]);
    CUDA_MEMCPY2D d{};
    d.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    d.srcDevice = img;
    d.srcPitch = ip;
    d.dstMemoryType = CU_MEMORYTYPE_HOST;
    d.dstHost = dst.data();
    d.dstPitch = W;
    d.WidthInBytes = W;
    d.Height = H;
    check("2D: device -> host (async, NULL stream)", is(cuMemcpy2DAsync(&d, nullptr), OK) && dst == src);
    // Sub-rectangle with offsets: rows 5..14, columns 10..49 of the image.
    std::vector<unsigned char> sub(40 * 10, 0);
    CUDA_MEMCPY2D e = d;
    e.srcXInBytes = 10;
    e.srcY = 5;
    e.dstHost = sub.data();
    e.dstPitch = 40;
    e.WidthInBytes = 40;
    e.Height = 10;
    bool ok = is(cuMemcpy2D(&e), OK);
    for (size_t y = 0; ok && y < 10; ++y) ok = std::memcmp(&sub[y * 40], &src[(y + 5) * W + 10], 40) == 0;
    check("2D: srcXInBytes/srcY sub-rectangle", ok);
    check("2D: unaligned variant", is(cuMemcpy2DUnaligned(&e), OK));
    CUDA_MEMCPY2D over = d;
    over.Height = H + 1;
    check("2D: one row too many -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    over = d;
    over.srcY = 1;
    check("2D: srcY pushes last row past end -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    over = d;
    over.srcXInBytes = ip - W + 1;
    over.srcY = 0;
    over.Height = H;
    check("2D: X offset runs last row past end -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    over = c;
    over.dstPitch = W - 1;
    check("2D: pitch < width -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    over = c;
    over.dstMemoryType = static_cast<CUmemorytype>(MEMTYPE_ARRAY);
    check("2D: ARRAY -> NOT_SUPPORTED", is(cuMemcpy2D(&over), NOT_SUPPORTED));
    over = c;
    over.dstMemoryType = static_cast<CUmemorytype>(9);
    check("2D: bad memory type -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    over = c;
    over.dstDevice = reinterpret_cast<CUdeviceptr>(dst.data());
    check("2D: DEVICE type with untracked pointer -> INVALID_VALUE", is(cuMemcpy2D(&over), INVALID_VALUE));
    // UNIFIED on both sides: host buffer and device buffer by pointer value.
    std::vector<unsigned char> dst2(W * H, 0);
    CUDA_MEMCPY2D uni{};
    uni.srcMemoryType = static_cast<CUmemorytype>(MEMTYPE_UNIFIED);
    uni.srcDevice = img;
    uni.srcPitch = ip;
    uni.dstMemoryType = static_cast<CUmemorytype>(MEMTYPE_UNIFIED);
    uni.dstDevice = reinterpret_cast<CUdeviceptr>(dst2.data());
    uni.dstPitch = W;
    uni.WidthInBytes = W;
    uni.Height = H;
    check("2D: UNIFIED device -> UNIFIED host", is(cuMemcpy2D(&uni), OK) && dst2 == src);
    uni.Height = H + 1;
    check("2D: UNIFIED tracked source overrun -> INVALID_VALUE", is(cuMemcpy2D(&uni), INVALID_VALUE));
    check("2D: NULL descriptor -> INVALID_VALUE", is(cuMemcpy2D(nullptr), INVALID_VALUE));
    // Device -> device 2D with different pitches.
    CUdeviceptr packed = 0;
    check("2D: alloc packed", is(cuMemAlloc(&packed, W * H), OK));
    CUDA_MEMCPY2D dd{};
    dd.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    dd.srcDevice = img;
    dd.srcPitch = ip;
    dd.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    dd.dstDevice = packed;
    dd.dstPitch = W;
    dd.WidthInBytes = W;
    dd.Height = H;
    std::vector<unsigned char> dst3(W * H, 0);
    check("2D: device -> device repitch",
          is(cuMemcpy2D(&dd), OK) && is(cuMemcpyDtoH(dst3.data(), packed, W * H), OK) && dst3 == src);
    check("2D: free", is(cuMemFree(img), OK) && is(cuMemFree(packed), OK) && liveCount() == 0);
  }

  // ---------------------------------------------------------------- pinned / registered host memory
  {
    void* ph = nullptr;
    void* ph2 = nullptr;
    check("cuMemAllocHost", is(cuMemAllocHost(&ph, 4096), OK) && ph);
    check("cuMemHostAlloc DEVICEMAP", is(cuMemHostAlloc(&ph2, 100, 2), OK) && ph2);
    check("cuMemHostAlloc bad flags -> INVALID_VALUE", is(cuMemHostAlloc(&ph2, 100, 0x80), INVALID_VALUE));
    check("live == 2 (pinned)", liveCount() == 2 && liveBytes() == 4196);
    CUdeviceptr hp = 0;
    check("cuMemHostGetDevicePointer",
          is(cuMemHostGetDevicePointer(&hp, ph, 0), OK) && hp == reinterpret_cast<CUdeviceptr>(ph));
    check("cuMemHostGetDevicePointer pageable -> INVALID_VALUE",
          is(cuMemHostGetDevicePointer(&hp, back.data(), 0), INVALID_VALUE));
    CUdeviceptr dd = 0;
    check("alloc device", is(cuMemAlloc(&dd, 4096), OK));
    check("HtoD from pinned", is(cuMemcpyHtoD(dd, ph, 4096), OK));
    check("HtoD from pinned overrun -> INVALID_VALUE",
          is(cuMemcpyHtoD(dd, static_cast<char*>(ph2) + 50, 51), INVALID_VALUE));
    check("cuMemFreeHost on device ptr -> INVALID_VALUE",
          is(cuMemFreeHost(reinterpret_cast<void*>(dd)), INVALID_VALUE));
    check("cuMemFree on pinned ptr -> INVALID_VALUE", is(cuMemFree(reinterpret_cast<CUdeviceptr>(ph)), INVALID_VALUE));
    unsigned mt = 0;
    check("ptr attr pinned MEMORY_TYPE == HOST",
          is(cuPointerGetAttribute(&mt, 2, reinterpret_cast<CUdeviceptr>(ph)), OK) && mt == MEMTYPE_HOST);
    void* hostp = nullptr;
    check("ptr attr pinned HOST_POINTER",
          is(cuPointerGetAttribute(&hostp, 4, reinterpret_cast<CUdeviceptr>(ph) + 16), OK) &&
              hostp == static_cast<char*>(ph) + 16);
    check("cuMemFreeHost", is(cuMemFreeHost(ph), OK) && is(cuMemFreeHost(ph2), OK));
    check("cuMemFreeHost twice -> INVALID_VALUE", is(cuMemFreeHost(ph), INVALID_VALUE));

    std::vector<unsigned char> reg(8192);
    check("cuMemHostRegister", is(cuMemHostRegister(reg.data(), reg.size(), 0), OK));
    check("register overlap -> ALREADY_REGISTERED", is(cuMemHostRegister(reg.data() + 100, 10, 0), ALREADY_REGISTERED));
    check("registered: GetDevicePointer", is(cuMemHostGetDevicePointer(&hp, reg.data() + 8, 0), OK) &&
                                              hp == reinterpret_cast<CUdeviceptr>(reg.data() + 8));
    check("registered as device dst", is(cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(reg.data()), h.data(), 4096), OK) &&
                                          std::memcmp(reg.data(), h.data(), 4096) == 0);
    check("registered overrun -> INVALID_VALUE",
          is(cuMemcpyDtoD(reinterpret_cast<CUdeviceptr>(reg.data()) + 4096, dd, 4097), INVALID_VALUE));
    check("unregister interior -> NOT_REGISTERED", is(cuMemHostUnregister(reg.data() + 1), NOT_REGISTERED));
    check("cuMemHostUnregister", is(cuMemHostUnregister(reg.data()), OK));
    check("unregister twice -> NOT_REGISTERED", is(cuMemHostUnregister(reg.data()), NOT_REGISTERED));
    check("free device", is(cuMemFree(dd), OK) && liveCount() == 0);
  }

  // ---------------------------------------------------------------- pointer attributes
  {
    CUdeviceptr p = 0, m = 0;
    check("alloc for attributes", is(cuMemAlloc(&p, 256), OK) && is(cuMemAllocManaged(&m, 64, 1), OK));
    unsigned mt = 0;
    CUcontext pc = nullptr;
    CUdeviceptr dv = 0;
    void* hp = reinterpret_cast<void*>(1);
    int managed = -1;
    check("attr MEMORY_TYPE == DEVICE", is(cuPointerGetAttribute(&mt, 2, p), OK) && mt == MEMTYPE_DEVICE);
    check("attr MEMORY_TYPE interior", is(cuPointerGetAttribute(&mt, 2, p + 255), OK) && mt == MEMTYPE_DEVICE);
    check("attr past end -> INVALID_VALUE", is(cuPointerGetAttribute(&mt, 2, p + 256), INVALID_VALUE));
    check("attr CONTEXT", is(cuPointerGetAttribute(&pc, 1, p), OK) && pc == a);
    check("attr DEVICE_POINTER", is(cuPointerGetAttribute(&dv, 3, p + 4), OK) && dv == p + 4);
    check("attr HOST_POINTER of device memory -> INVALID_VALUE", is(cuPointerGetAttribute(&hp, 4, p), INVALID_VALUE));
    check("attr IS_MANAGED == 0", is(cuPointerGetAttribute(&managed, 8, p), OK) && managed == 0);
    check("attr IS_MANAGED (managed) == 1", is(cuPointerGetAttribute(&managed, 8, m), OK) && managed == 1);
    check("attr unknown pointer -> INVALID_VALUE",
          is(cuPointerGetAttribute(&mt, 2, reinterpret_cast<CUdeviceptr>(&mt)), INVALID_VALUE));
    check("attr NULL data -> INVALID_VALUE", is(cuPointerGetAttribute(nullptr, 2, p), INVALID_VALUE));
    check("free attribute allocs", is(cuMemFree(p), OK) && is(cuMemFree(m), OK) && liveCount() == 0);
  }

  // ---------------------------------------------------------------- streams and events
  {
    CUstream st = nullptr;
    CUevent e0 = nullptr, e1 = nullptr, e2 = nullptr;
    check("cuStreamCreate", is(cuStreamCreate(&st, 0), OK) && st);
    check("cuStreamQuery", is(cuStreamQuery(st), OK));
    check("cuStreamSynchronize", is(cuStreamSynchronize(st), OK));
    check("cuStreamSynchronize(NULL)", is(cuStreamSynchronize(nullptr), OK));
    check("cuEventCreate", is(cuEventCreate(&e0, 0), OK) && is(cuEventCreate(&e1, 0), OK) &&
                               is(cuEventCreate(&e2, CU_EVENT_DISABLE_TIMING), OK));
    float ms = -1;
    check("elapsed on unrecorded -> INVALID_HANDLE", is(cuEventElapsedTime(&ms, e0, e1), INVALID_HANDLE));
    check("cuEventQuery unrecorded", is(cuEventQuery(e0), OK));
    check("cuEventRecord", is(cuEventRecord(e0, st), OK) && is(cuEventRecord(e1, nullptr), OK));
    check("cuEventSynchronize", is(cuEventSynchronize(e1), OK));
    check("cuEventElapsedTime >= 0", is(cuEventElapsedTime(&ms, e0, e1), OK) && ms >= 0);
    check("elapsed with DISABLE_TIMING -> INVALID_HANDLE",
          is(cuEventRecord(e2, st), OK) && is(cuEventElapsedTime(&ms, e0, e2), INVALID_HANDLE));
    check("cuStreamWaitEvent", is(cuStreamWaitEvent(st, e0, 0), OK));
    check("cuStreamWaitEvent bogus event -> INVALID_HANDLE",
          is(cuStreamWaitEvent(st, reinterpret_cast<CUevent>(uintptr_t{0xe0}), 0), INVALID_HANDLE));
    int calls = 0;
    check("cuStreamAddCallback runs callback",
          is(cuStreamAddCallback(
                 st, [](CUstream, CUresult, void* u) { ++*static_cast<int*>(u); }, &calls, 0),
             OK) &&
              calls == 1);
    CUdeviceptr p = 0;
    std::vector<unsigned char> tmp(64, 0);
    check("async copy on stream", is(cuMemAlloc(&p, 64), OK) && is(cuMemcpyHtoDAsync(p, h.data(), 64, st), OK) &&
                                      is(cuStreamSynchronize(st), OK) && is(cuMemcpyDtoH(tmp.data(), p, 64), OK) &&
                                      std::memcmp(tmp.data(), h.data(), 64) == 0 && is(cuMemFree(p), OK));
    check("cuEventDestroy", is(cuEventDestroy(e0), OK) && is(cuEventDestroy(e1), OK) && is(cuEventDestroy(e2), OK));
    check("cuEventDestroy twice -> INVALID_HANDLE", is(cuEventDestroy(e0), INVALID_HANDLE));
    check("cuStreamDestroy", is(cuStreamDestroy(st), OK));
    check("cuStreamDestroy twice -> INVALID_HANDLE", is(cuStreamDestroy(st), INVALID_HANDLE));
    check("copy on destroyed stream -> INVALID_HANDLE", is(cuMemsetD8Async(0, 0, 0, st), INVALID_HANDLE));
  }

  // ---------------------------------------------------------------- FFmpeg 8's async memsets
  {
    auto cuMemsetD16Async = sym<tcuMemsetD16Async>("cuMemsetD16Async");
    auto cuMemsetD32Async = sym<tcuMemsetD32Async>("cuMemsetD32Async");
    auto cuMemsetD2D16Async = sym<tcuMemsetD2D16Async>("cuMemsetD2D16Async");
    auto cuMemsetD2D32Async = sym<tcuMemsetD2D32Async>("cuMemsetD2D32Async");
    auto cuMemsetD2D16 = sym<tcuMemsetD2D16>("cuMemsetD2D16_v2");
    CUstream st = nullptr;
    CUdeviceptr p = 0;
    check("memset16/32: stream + 1024 bytes", is(cuStreamCreate(&st, 0), OK) && is(cuMemAlloc(&p, 1024), OK));
    std::vector<uint16_t> h16(512);
    std::vector<uint32_t> h32(256);
    check("cuMemsetD16Async fills 16-bit words", is(cuMemsetD16Async(p, 0xBEEF, 512, st), OK) &&
                                                     is(cuMemcpyDtoH(h16.data(), p, 1024), OK) &&
                                                     h16 == std::vector<uint16_t>(512, 0xBEEF));
    check("cuMemsetD16Async odd address -> INVALID_VALUE", is(cuMemsetD16Async(p + 1, 1, 4, st), INVALID_VALUE));
    check("cuMemsetD16Async past end -> INVALID_VALUE", is(cuMemsetD16Async(p, 1, 513, st), INVALID_VALUE));
    check("cuMemsetD32Async fills 32-bit words", is(cuMemsetD32Async(p, 0x01020304u, 256, st), OK) &&
                                                     is(cuMemcpyDtoH(h32.data(), p, 1024), OK) &&
                                                     h32 == std::vector<uint32_t>(256, 0x01020304u));
    check("cuMemsetD32Async bogus stream -> INVALID_HANDLE",
          is(cuMemsetD32Async(p, 0, 4, reinterpret_cast<CUstream>(uintptr_t{0x5551})), INVALID_HANDLE));
    // 2D: 4 rows of 100 bytes at pitch 256; the 156 bytes of padding per row stay untouched.
    std::vector<unsigned char> raw(1024);
    check("cuMemsetD2D16Async writes rows only",
          is(cuMemsetD8(p, 0, 1024), OK) && is(cuMemsetD2D16Async(p, 256, 0x7F7F, 50, 4, st), OK) &&
              is(cuMemcpyDtoH(raw.data(), p, 1024), OK) && raw[0] == 0x7F && raw[99] == 0x7F && raw[100] == 0 &&
              raw[255] == 0 && raw[256] == 0x7F && raw[3 * 256 + 99] == 0x7F && raw[3 * 256 + 100] == 0);
    check("cuMemsetD2D32Async writes rows only",
          is(cuMemsetD8(p, 0, 1024), OK) && is(cuMemsetD2D32Async(p, 256, 0xAABBCCDDu, 25, 4, nullptr), OK) &&
              is(cuMemcpyDtoH(raw.data(), p, 1024), OK) && raw[0] == 0xDD && raw[3] == 0xAA && raw[99] == 0xAA &&
              raw[100] == 0 && raw[3 * 256 + 96] == 0xDD);
    check("cuMemsetD2D32Async pitch < row -> INVALID_VALUE",
          is(cuMemsetD2D32Async(p, 64, 0, 25, 4, st), INVALID_VALUE));
    check("cuMemsetD2D32Async last row past end -> INVALID_VALUE",
          is(cuMemsetD2D32Async(p, 256, 0, 25, 5, st), INVALID_VALUE));
    check("cuMemsetD2D16 (sync)", is(cuMemsetD8(p, 0, 1024), OK) && is(cuMemsetD2D16(p, 256, 0x0101, 1, 4), OK) &&
                                      is(cuMemcpyDtoH(raw.data(), p, 1024), OK) && raw[256] == 1 && raw[257] == 1 &&
                                      raw[258] == 0);
    check("memset16/32: free", is(cuMemFree(p), OK) && is(cuStreamDestroy(st), OK) && liveCount() == 0);
  }

  // ---------------------------------------------------------------- stream-ordered allocation, host functions
  {
    auto cuMemAllocAsync = sym<tcuMemAllocAsync>("cuMemAllocAsync");
    auto cuMemFreeAsync = sym<tcuMemFreeAsync>("cuMemFreeAsync");
    auto cuLaunchHostFunc = sym<tcuLaunchHostFunc>("cuLaunchHostFunc");
    auto cuMemsetD32Async = sym<tcuMemsetD32Async>("cuMemsetD32Async");
    CUstream st = nullptr;
    check("stream-ordered: cuStreamCreate", is(cuStreamCreate(&st, 0), OK));
    CUdeviceptr p = 0;
    check("cuMemAllocAsync returns tracked memory", is(cuMemAllocAsync(&p, 4096, st), OK) && p && liveCount() == 1);
    check("cuMemAllocAsync(0 bytes) -> INVALID_VALUE", is(cuMemAllocAsync(&p, 0, st), INVALID_VALUE));
    check(
        "cuMemAllocAsync bogus stream -> INVALID_HANDLE",
        is(cuMemAllocAsync(&p, 16, reinterpret_cast<CUstream>(uintptr_t{0x5552})), INVALID_HANDLE) && liveCount() == 1);
    // Stream order: a host function enqueued after a memset sees the memset's result, and work
    // enqueued after the host function is not visible to it.
    struct Probe {
      CUdeviceptr p;
      decltype(cuMemcpyDtoH) dtoh;
      uint32_t seen[2];
      int calls;
    } probe{p, cuMemcpyDtoH, {0, 0}, 0};
    auto fn = [](void* u) {
      auto* pr = static_cast<Probe*>(u);
      ++pr->calls;
      // Reads the memory as the host would after the stream's earlier work (host functions may not
      // call CUDA on a real GPU; the copy here is only the test's window into device memory).
      pr->dtoh(pr->seen, pr->p, sizeof pr->seen);
    };
    check("memset then host function on the stream",
          is(cuMemsetD32Async(p, 0x11111111u, 1024, st), OK) && is(cuLaunchHostFunc(st, fn, &probe), OK));
    check("host function ran once, after the memset",
          probe.calls == 1 && probe.seen[0] == 0x11111111u && probe.seen[1] == 0x11111111u);
    check("later memset is not seen by the earlier host function",
          is(cuMemsetD32Async(p, 0x22222222u, 1024, st), OK) && probe.seen[0] == 0x11111111u);
    check("cuStreamSynchronize after the host function", is(cuStreamSynchronize(st), OK) && is(cuStreamQuery(st), OK));
    check("cuLaunchHostFunc(NULL fn) -> INVALID_VALUE", is(cuLaunchHostFunc(st, nullptr, nullptr), INVALID_VALUE));
    check("cuLaunchHostFunc bogus stream -> INVALID_HANDLE",
          is(cuLaunchHostFunc(reinterpret_cast<CUstream>(uintptr_t{0x5553}), fn, &probe), INVALID_HANDLE) &&
              probe.calls == 1);
    check("cuLaunchHostFunc on the NULL stream",
          is(cuLaunchHostFunc(nullptr, fn, &probe), OK) && probe.calls == 2 && probe.seen[0] == 0x22222222u);
    check("cuMemFreeAsync frees in stream order", is(cuMemFreeAsync(p, st), OK) && liveCount() == 0);
    check("use after cuMemFreeAsync -> INVALID_VALUE", is(cuMemsetD32Async(p, 0, 1, st), INVALID_VALUE));
    check("cuMemFreeAsync twice -> INVALID_VALUE", is(cuMemFreeAsync(p, st), INVALID_VALUE));
    check("cuMemFreeAsync(0) -> INVALID_VALUE", is(cuMemFreeAsync(0, st), INVALID_VALUE));
    CUdeviceptr q = 0;
    check("cuMemAllocAsync memory freed by cuMemFree",
          is(cuMemAllocAsync(&q, 64, nullptr), OK) && is(cuMemFree(q), OK) && liveCount() == 0);
    check("cuMemAlloc memory freed by cuMemFreeAsync",
          is(cuMemAlloc(&q, 64), OK) && is(cuMemFreeAsync(q, st), OK) && liveCount() == 0);
    check("stream-ordered: cuStreamDestroy", is(cuStreamDestroy(st), OK));
  }

  // ---------------------------------------------------------------- peer access (GStreamer's CUDA loader)
  {
    auto cuDeviceCanAccessPeer = sym<tcuDeviceCanAccessPeer>("cuDeviceCanAccessPeer");
    auto cuCtxEnablePeerAccess = sym<tcuCtxEnablePeerAccess>("cuCtxEnablePeerAccess");
    auto cuCtxDisablePeerAccess = sym<tcuCtxDisablePeerAccess>("cuCtxDisablePeerAccess");
    int can = -1;
    check("cuDeviceCanAccessPeer(0, 0) -> 0 (one device)", is(cuDeviceCanAccessPeer(&can, 0, 0), OK) && can == 0);
    check("cuDeviceCanAccessPeer(0, 1) -> INVALID_DEVICE", is(cuDeviceCanAccessPeer(&can, 0, 1), INVALID_DEVICE));
    check("cuDeviceCanAccessPeer(NULL) -> INVALID_VALUE", is(cuDeviceCanAccessPeer(nullptr, 0, 0), INVALID_VALUE));
    check("cuCtxEnablePeerAccess(own context) -> INVALID_DEVICE", is(cuCtxEnablePeerAccess(a, 0), INVALID_DEVICE));
    check("cuCtxEnablePeerAccess(flags 1) -> INVALID_VALUE", is(cuCtxEnablePeerAccess(a, 1), INVALID_VALUE));
    check("cuCtxEnablePeerAccess(bogus) -> INVALID_CONTEXT",
          is(cuCtxEnablePeerAccess(reinterpret_cast<CUcontext>(uintptr_t{0xdead0}), 0), INVALID_CONTEXT));
    check("cuCtxDisablePeerAccess -> PEER_ACCESS_NOT_ENABLED", is(cuCtxDisablePeerAccess(a), 705));
  }

  // ---------------------------------------------------------------- arrays and graphics interop (no such objects
  // exist)
  {
    auto cuArrayGetPlane = sym<tcuArrayGetPlane>("cuArrayGetPlane");
    auto cuArray3DGetDescriptor = sym<tcuArray3DGetDescriptor>("cuArray3DGetDescriptor_v2");
    auto cuGraphicsResourceSetMapFlags = sym<tcuGraphicsResourceSetMapFlags>("cuGraphicsResourceSetMapFlags_v2");
    CUarray plane = nullptr;
    CUDA_ARRAY3D_DESCRIPTOR desc{};
    check("cuArrayGetPlane -> NOT_SUPPORTED", is(cuArrayGetPlane(&plane, nullptr, 0), NOT_SUPPORTED));
    check("cuArray3DGetDescriptor_v2 -> NOT_SUPPORTED", is(cuArray3DGetDescriptor(&desc, nullptr), NOT_SUPPORTED));
    check("cuGraphicsResourceSetMapFlags_v2 -> NOT_SUPPORTED",
          is(cuGraphicsResourceSetMapFlags(nullptr, 0), NOT_SUPPORTED));
    void* fn = nullptr;
    check("cuGetProcAddress(cuGraphicsResourceSetMapFlags, 12000) -> _v2",
          is(cuGetProcAddress("cuGraphicsResourceSetMapFlags", &fn, 12000, 0), OK) &&
              fn == dlsym(g_lib, "cuGraphicsResourceSetMapFlags_v2"));
    check("cuGetProcAddress(cuMemAllocAsync, 12000)",
          is(cuGetProcAddress("cuMemAllocAsync", &fn, 12000, 0), OK) && fn == dlsym(g_lib, "cuMemAllocAsync"));
  }

  // ---------------------------------------------------------------- stale contexts
  {
    CUdeviceptr p = 0;
    check("cuCtxDestroy(b) frees its allocations", is(cuCtxPushCurrent(b), OK) && is(cuMemAlloc(&p, 100), OK) &&
                                                       liveCount() == 1 && is(cuCtxDestroy(b), OK) && liveCount() == 0);
    check("destroyed b popped from this thread", is(cuCtxGetCurrent(&cur), OK) && cur == a);
    check("stale: push destroyed -> INVALID_CONTEXT", is(cuCtxPushCurrent(b), INVALID_CONTEXT));
    check("stale: set destroyed -> INVALID_CONTEXT", is(cuCtxSetCurrent(b), INVALID_CONTEXT));
    check("stale: destroy twice -> INVALID_CONTEXT", is(cuCtxDestroy(b), INVALID_CONTEXT));
    check("stale: freed block rejected", is(cuMemcpyHtoD(p, h.data(), 1), INVALID_VALUE));
    // Destroy the main thread's current context from another thread.
    CUcontext c = nullptr;
    check("create c", is(cuCtxCreate(&c, 0, 0), OK));
    CUresult rd = CUDA_ERROR_UNKNOWN;
    std::thread([&] { rd = cuCtxDestroy(c); }).join();
    check("destroy c from another thread", is(rd, OK));
    // cuCtxDestroy: "attempting to access ctx from those threads will result in the error
    // CUDA_ERROR_CONTEXT_IS_DESTROYED".
    check("stale current context: cuMemAlloc -> CONTEXT_IS_DESTROYED", is(cuMemAlloc(&p, 16), CONTEXT_IS_DESTROYED));
    check("stale current context: cuCtxGetDevice -> CONTEXT_IS_DESTROYED",
          is(cuCtxGetDevice(&dev), CONTEXT_IS_DESTROYED));
    check("pop stale context", is(cuCtxPopCurrent(&cur), OK) && cur == c);
    check("a current again after pop", is(cuCtxGetCurrent(&cur), OK) && cur == a);
  }

  // ---------------------------------------------------------------- primary context
  {
    unsigned flags = 99;
    int active = -1;
    CUcontext p1 = nullptr, p2 = nullptr;
    check("primary: inactive initially", is(cuPrimaryGetState(0, &flags, &active), OK) && active == 0 && flags == 0);
    check("primary: GetState dev 1 -> INVALID_DEVICE", is(cuPrimaryGetState(1, &flags, &active), INVALID_DEVICE));
    check("primary: SetFlags blocking sync", is(cuPrimarySetFlags(0, CU_CTX_SCHED_BLOCKING_SYNC), OK));
    check("primary: retain", is(cuPrimaryRetain(&p1, 0), OK) && p1);
    check("primary: retain same handle", is(cuPrimaryRetain(&p2, 0), OK) && p2 == p1);
    check("primary: active with flags",
          is(cuPrimaryGetState(0, &flags, &active), OK) && active == 1 && flags == CU_CTX_SCHED_BLOCKING_SYNC);
    check("primary: cuCtxDestroy(primary) -> INVALID_CONTEXT", is(cuCtxDestroy(p1), INVALID_CONTEXT));
    CUdeviceptr p = 0;
    check("primary: push + alloc", is(cuCtxPushCurrent(p1), OK) && is(cuMemAlloc(&p, 10), OK) && liveCount() == 1);
    check("primary: reset frees", is(cuPrimaryReset(0), OK) && liveCount() == 0);
    check("primary: alloc again", is(cuMemAlloc(&p, 10), OK) && liveCount() == 1);
    check("primary: release 1 keeps active", is(cuPrimaryRelease(0), OK) && liveCount() == 1 &&
                                                 is(cuPrimaryGetState(0, &flags, &active), OK) && active == 1);
    check("primary: release 2 deactivates and frees", is(cuPrimaryRelease(0), OK) && liveCount() == 0 &&
                                                          is(cuPrimaryGetState(0, &flags, &active), OK) && active == 0);
    check("primary: current but inactive -> INVALID_CONTEXT", is(cuMemAlloc(&p, 10), INVALID_CONTEXT));
    check("primary: release again -> INVALID_CONTEXT", is(cuPrimaryRelease(0), INVALID_CONTEXT));
    check("primary: push inactive -> INVALID_CONTEXT", is(cuCtxPushCurrent(p1), INVALID_CONTEXT));
    check("primary: pop", is(cuCtxPopCurrent(&cur), OK) && cur == p1);
  }

  // ---------------------------------------------------------------- error names / strings
  {
    const char* str = nullptr;
    check("cuGetErrorName(INVALID_VALUE)",
          is(cuGetErrorName(static_cast<CUresult>(1), &str), OK) && std::strcmp(str, "CUDA_ERROR_INVALID_VALUE") == 0);
    check("cuGetErrorName(INVALID_CONTEXT)", is(cuGetErrorName(static_cast<CUresult>(201), &str), OK) &&
                                                 std::strcmp(str, "CUDA_ERROR_INVALID_CONTEXT") == 0);
    check("cuGetErrorName(NOT_SUPPORTED)", is(cuGetErrorName(static_cast<CUresult>(801), &str), OK) &&
                                               std::strcmp(str, "CUDA_ERROR_NOT_SUPPORTED") == 0);
    check("cuGetErrorName(NOT_INITIALIZED)", is(cuGetErrorName(static_cast<CUresult>(3), &str), OK) &&
                                                 std::strcmp(str, "CUDA_ERROR_NOT_INITIALIZED") == 0);
    check("cuGetErrorString(OUT_OF_MEMORY)",
          is(cuGetErrorString(static_cast<CUresult>(2), &str), OK) && std::strcmp(str, "out of memory") == 0);
    str = "x";
    check("cuGetErrorName(unknown) -> INVALID_VALUE, NULL",
          is(cuGetErrorName(static_cast<CUresult>(12345), &str), INVALID_VALUE) && str == nullptr);
    check("cuGetErrorString(NULL out) -> INVALID_VALUE", is(cuGetErrorString(CUDA_SUCCESS, nullptr), INVALID_VALUE));
  }

  // ---------------------------------------------------------------- cuGetProcAddress
  {
    void* fn = nullptr;
    int status = -1;
    check("cuGetProcAddress(cuMemAlloc, 12000) -> cuMemAlloc_v2",
          is(cuGetProcAddress("cuMemAlloc", &fn, 12000, 0), OK) && fn == dlsym(g_lib, "cuMemAlloc_v2"));
    check("cuGetProcAddress(cuInit)",
          is(cuGetProcAddress("cuInit", &fn, 12000, 0), OK) && fn == dlsym(g_lib, "cuInit"));
    check("cuGetProcAddress(cuCtxDestroy, 3020) -> unsuffixed",
          is(cuGetProcAddress("cuCtxDestroy", &fn, 3020, 0), OK) && fn == dlsym(g_lib, "cuCtxDestroy"));
    check("cuGetProcAddress(cuGetProcAddress, 12000) -> _v2",
          is(cuGetProcAddress("cuGetProcAddress", &fn, 12000, 0), OK) && fn == dlsym(g_lib, "cuGetProcAddress_v2"));
    fn = reinterpret_cast<void*>(1);
    check("cuGetProcAddress(unknown) -> NOT_FOUND, NULL",
          is(cuGetProcAddress("cuNoSuchFunction", &fn, 12000, 0), NOT_FOUND) && fn == nullptr);
    check("cuGetProcAddress(malloc) -> NOT_FOUND", is(cuGetProcAddress("malloc", &fn, 12000, 0), NOT_FOUND));
    check("cuGetProcAddress_v2 status SUCCESS",
          is(cuGetProcAddress_v2("cuStreamDestroy", &fn, 12080, 0, &status), OK) && status == 0 &&
              fn == dlsym(g_lib, "cuStreamDestroy_v2"));
    check("cuGetProcAddress_v2 status SYMBOL_NOT_FOUND",
          is(cuGetProcAddress_v2("cuNope", &fn, 12080, 0, &status), NOT_FOUND) && status == 1);
    check("cuGetProcAddress(NULL pfn) -> INVALID_VALUE",
          is(cuGetProcAddress("cuInit", nullptr, 12000, 0), INVALID_VALUE));
  }

  // ---------------------------------------------------------------- unsupported features
  {
    CUmodule mod = nullptr;
    check("cuModuleLoadData -> NOT_SUPPORTED", is(cuModuleLoadData(&mod, "x"), NOT_SUPPORTED));
    check("cuLaunchKernel -> NOT_SUPPORTED",
          is(cuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr), NOT_SUPPORTED));
    CUexternalMemory em = nullptr;
    CUDA_EXTERNAL_MEMORY_HANDLE_DESC desc{};
    check("cuImportExternalMemory -> NOT_SUPPORTED", is(cuImportExternalMemory(&em, &desc), NOT_SUPPORTED));
    unsigned cnt = 0;
    CUdevice devs[1];
    check("cuGLGetDevices -> NOT_SUPPORTED", is(cuGLGetDevices(&cnt, devs, 1, CU_GL_DEVICE_LIST_ALL), NOT_SUPPORTED));
  }

  // ---------------------------------------------------------------- concurrency
  {
    std::vector<std::thread> threads;
    std::vector<int> errors(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        if (!is(cuCtxPushCurrent(a), OK)) {
          ++errors[t];
          return;
        }
        std::vector<unsigned char> in(3000), out(3000);
        for (int i = 0; i < 200; ++i) {
          for (size_t k = 0; k < in.size(); ++k) in[k] = static_cast<unsigned char>(k + i + t);
          CUdeviceptr p = 0;
          if (!is(cuMemAlloc(&p, in.size()), OK)) {
            ++errors[t];
            continue;
          }
          if (!is(cuMemcpyHtoD(p, in.data(), in.size()), OK) || !is(cuMemcpyDtoH(out.data(), p, out.size()), OK) ||
              in != out)
            ++errors[t];
          if (!is(cuMemFree(p), OK)) ++errors[t];
        }
        cuCtxPopCurrent(nullptr);
      });
    }
    for (auto& th : threads) th.join();
    check("4 threads x 200 alloc/copy/free in one context", errors == std::vector<int>(4, 0) && liveCount() == 0);
  }

  // ---------------------------------------------------------------- teardown
  check("cuCtxDestroy(a)", is(cuCtxDestroy(a), OK));
  check("no context left", is(cuCtxGetCurrent(&cur), OK) && cur == nullptr);
  check("live allocations == 0 at end", liveCount() == 0 && liveBytes() == 0);

  std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "OK", g_failures);
  return g_failures > 100 ? 100 : g_failures;
}
