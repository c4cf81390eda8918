#include "cuda_bridge.hpp"

#include <dlfcn.h>

#include <mutex>

#include <ffnvcodec/dynlink_cuda.h>

namespace nvsoft {
namespace cuda {
namespace {
typedef CUresult CUDAAPI PushFn(CUcontext);
typedef CUresult CUDAAPI PopFn(CUcontext*);
typedef CUresult CUDAAPI Memcpy2DFn(const CUDA_MEMCPY2D*);
typedef CUresult CUDAAPI RangeFn(CUdeviceptr*, size_t*, CUdeviceptr);
typedef CUresult CUDAAPI GetDeviceFn(CUdevice*);
typedef CUresult CUDAAPI ErrStrFn(CUresult, const char**);
typedef CUresult CUDAAPI StreamSyncFn(CUstream);

struct Api {
  void* lib = nullptr;
  PushFn* push = nullptr;
  PopFn* pop = nullptr;
  Memcpy2DFn* memcpy2D = nullptr;
  RangeFn* range = nullptr;
  GetDeviceFn* getDevice = nullptr;
  ErrStrFn* errStr = nullptr;
  StreamSyncFn* streamSync = nullptr;
  std::string err;
  bool ok = false;
};
Api& api() {
  static Api a;
  static std::once_flag once;
  std::call_once(once, [] {
    // glibc returns the libcuda already loaded in the process (soname match), so the software
    // device always talks to the same CUDA as its client.
    a.lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!a.lib) {
      const char* e = dlerror();
      a.err = std::string("cannot load libcuda.so.1: ") + (e ? e : "?");
      return;
    }
    a.push = (PushFn*)dlsym(a.lib, "cuCtxPushCurrent_v2");
    a.pop = (PopFn*)dlsym(a.lib, "cuCtxPopCurrent_v2");
    a.memcpy2D = (Memcpy2DFn*)dlsym(a.lib, "cuMemcpy2D_v2");
    a.range = (RangeFn*)dlsym(a.lib, "cuMemGetAddressRange_v2");
    a.getDevice = (GetDeviceFn*)dlsym(a.lib, "cuCtxGetDevice");
    a.errStr = (ErrStrFn*)dlsym(a.lib, "cuGetErrorString");
    a.streamSync = (StreamSyncFn*)dlsym(a.lib, "cuStreamSynchronize");
    if (!a.push || !a.pop || !a.memcpy2D) {
      a.err = "libcuda.so.1 lacks cuCtxPushCurrent_v2/cuCtxPopCurrent_v2/cuMemcpy2D_v2";
      return;
    }
    a.ok = true;
  });
  return a;
}
struct Scope {
  Api& a;
  int res;
  Scope(Api& a_, void* ctx) : a(a_) { res = a.push((CUcontext)ctx); }
  ~Scope() {
    if (res == CUDA_SUCCESS) {
      CUcontext c;
      a.pop(&c);
    }
  }
};
}  // namespace

bool load(std::string& err) {
  Api& a = api();
  if (!a.ok) err = a.err;
  return a.ok;
}

int checkContext(void* ctx) {
  Api& a = api();
  if (!a.ok) return -1;
  Scope s(a, ctx);
  if (s.res != CUDA_SUCCESS) return s.res;
  if (a.getDevice) {
    CUdevice d;
    return a.getDevice(&d);
  }
  return 0;
}

int addressRange(void* ctx, uint64_t dptr, uint64_t* base, size_t* size) {
  Api& a = api();
  if (!a.ok) return -1;
  if (!a.range) return -2;
  Scope s(a, ctx);
  if (s.res != CUDA_SUCCESS) return s.res;
  CUdeviceptr b = 0;
  size_t n = 0;
  CUresult r = a.range(&b, &n, (CUdeviceptr)dptr);
  if (r == CUDA_SUCCESS) {
    *base = b;
    *size = n;
  }
  return r;
}

int copyToHost(void* ctx, uint64_t dptr, size_t srcPitch, size_t widthBytes, size_t rows, void* dst, size_t dstPitch) {
  Api& a = api();
  if (!a.ok) return -1;
  Scope s(a, ctx);
  if (s.res != CUDA_SUCCESS) return s.res;
  CUDA_MEMCPY2D c = {};
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = (CUdeviceptr)dptr;
  c.srcPitch = srcPitch;
  c.dstMemoryType = CU_MEMORYTYPE_HOST;
  c.dstHost = dst;
  c.dstPitch = dstPitch;
  c.WidthInBytes = widthBytes;
  c.Height = rows;
  return a.memcpy2D(&c);
}

int streamSynchronize(void* ctx, void* stream) {
  Api& a = api();
  if (!a.ok) return -1;
  if (!a.streamSync) return -2;
  Scope s(a, ctx);
  if (s.res != CUDA_SUCCESS) return s.res;
  return a.streamSync((CUstream)stream);
}

std::string errorText(int res) {
  Api& a = api();
  const char* s = nullptr;
  if (a.ok && a.errStr && a.errStr((CUresult)res, &s) == CUDA_SUCCESS && s) return s;
  return "CUresult " + std::to_string(res);
}
}  // namespace cuda
}  // namespace nvsoft
