#include "cuda_bridge.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

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

class DriverLibrary : public Library {
 public:
  DriverLibrary(void* lib, std::string path) : lib_(lib), path_(std::move(path)) {
    push_ = (PushFn*)dlsym(lib, "cuCtxPushCurrent_v2");
    pop_ = (PopFn*)dlsym(lib, "cuCtxPopCurrent_v2");
    memcpy2D_ = (Memcpy2DFn*)dlsym(lib, "cuMemcpy2D_v2");
    range_ = (RangeFn*)dlsym(lib, "cuMemGetAddressRange_v2");
    getDevice_ = (GetDeviceFn*)dlsym(lib, "cuCtxGetDevice");
    errStr_ = (ErrStrFn*)dlsym(lib, "cuGetErrorString");
    streamSync_ = (StreamSyncFn*)dlsym(lib, "cuStreamSynchronize");
    software_ = dlsym(lib, "nvsoft_cuda_identify") != nullptr;
  }
  bool usable() const { return push_ && pop_ && memcpy2D_; }
  bool software() const { return software_; }
  void* handle() const { return lib_; }

  // Only asked of a software libcuda: it looks ctx up in its registry (a foreign pointer is
  // CUDA_ERROR_INVALID_CONTEXT), where NVIDIA's driver would dereference it.
  bool ownsContext(void* ctx) const {
    Scope s(*this, ctx);
    return s.res == CUDA_SUCCESS;
  }

  int checkContext(void* ctx) const override {
    Scope s(*this, ctx);
    if (s.res != CUDA_SUCCESS) return s.res;
    if (getDevice_) {
      CUdevice d;
      return getDevice_(&d);
    }
    return 0;
  }

  int addressRange(void* ctx, uint64_t dptr, uint64_t* base, size_t* size) const override {
    if (!range_) return -2;
    Scope s(*this, ctx);
    if (s.res != CUDA_SUCCESS) return s.res;
    CUdeviceptr b = 0;
    size_t n = 0;
    CUresult r = range_(&b, &n, (CUdeviceptr)dptr);
    if (r == CUDA_SUCCESS) {
      *base = b;
      *size = n;
    }
    return r;
  }

  int copyToHost(void* ctx, uint64_t dptr, size_t srcPitch, size_t widthBytes, size_t rows, void* dst,
                 size_t dstPitch) const override {
    Scope s(*this, ctx);
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
    return memcpy2D_(&c);
  }

  int streamSynchronize(void* ctx, void* stream) const override {
    if (!streamSync_) return -2;
    Scope s(*this, ctx);
    if (s.res != CUDA_SUCCESS) return s.res;
    return streamSync_((CUstream)stream);
  }

  std::string errorText(int res) const override {
    const char* s = nullptr;
    if (errStr_ && errStr_((CUresult)res, &s) == CUDA_SUCCESS && s) return s;
    return "CUresult " + std::to_string(res);
  }

  const std::string& path() const override { return path_; }

 private:
  struct Scope {
    const DriverLibrary& l;
    int res;
    Scope(const DriverLibrary& lib, void* ctx) : l(lib) { res = l.push_((CUcontext)ctx); }
    ~Scope() {
      if (res == CUDA_SUCCESS) {
        CUcontext c;
        l.pop_(&c);
      }
    }
  };
  void* lib_;
  std::string path_;
  PushFn* push_ = nullptr;
  PopFn* pop_ = nullptr;
  Memcpy2DFn* memcpy2D_ = nullptr;
  RangeFn* range_ = nullptr;
  GetDeviceFn* getDevice_ = nullptr;
  ErrStrFn* errStr_ = nullptr;
  StreamSyncFn* streamSync_ = nullptr;
  bool software_ = false;
};

std::mutex gMu;
// Never destroyed (like the session registry): a session may still use its library while the
// process exits. Libraries are never dlclose()d either (see the addon's DynamicLibrary).
std::map<void*, DriverLibrary*>& gLibraries = *new std::map<void*, DriverLibrary*>();

const DriverLibrary* adopt(void* handle, const std::string& path) {
  auto it = gLibraries.find(handle);
  if (it != gLibraries.end()) return it->second;
  auto* lib = new DriverLibrary(handle, path);
  gLibraries.emplace(handle, lib);
  return lib;
}

// The paths of every loaded object whose file name starts with "libcuda.so".
std::vector<std::string> loadedCudaPaths() {
  std::vector<std::string> paths;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) {
        const char* name = info->dlpi_name;
        if (!name || !*name) return 0;
        const char* slash = strrchr(name, '/');
        const char* base = slash ? slash + 1 : name;
        if (strncmp(base, "libcuda.so", 10) == 0) static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &paths);
  return paths;
}
}  // namespace

Choice forContext(void* ctx, const Library** out, std::string& err) {
  std::lock_guard<std::mutex> lock(gMu);
  std::vector<const DriverLibrary*> candidates;
  for (const std::string& path : loadedCudaPaths()) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!h) continue;
    const DriverLibrary* lib = adopt(h, path);
    if (lib->usable()) candidates.push_back(lib);
  }
  if (candidates.empty()) {
    // Nothing loaded yet (e.g. a client that opens NVENC before CUDA): the library search path's.
    void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      err = std::string("cannot load libcuda.so.1: ") + (e ? e : "?");
      return Choice::NoCuda;
    }
    const DriverLibrary* lib = adopt(h, "libcuda.so.1");
    if (!lib->usable()) {
      err = "libcuda.so.1 lacks cuCtxPushCurrent_v2/cuCtxPopCurrent_v2/cuMemcpy2D_v2";
      return Choice::NoCuda;
    }
    candidates.push_back(lib);
  }
  std::vector<const DriverLibrary*> others;
  for (const DriverLibrary* lib : candidates) {
    if (lib->software() && lib->ownsContext(ctx)) {
      *out = lib;
      return Choice::Found;
    }
    if (!lib->software()) others.push_back(lib);
  }
  if (others.size() > 1) {
    err = "cannot tell which CUDA driver library owns the context: " + std::to_string(others.size()) +
          " are loaded in this process (";
    for (size_t i = 0; i < others.size(); i++) err += (i ? ", " : "") + others[i]->path();
    err += ") and no software libcuda claims it";
    return Choice::Ambiguous;
  }
  // The one non-software libcuda, or (none claiming the context) a software one, whose context
  // check then reports the foreign context.
  *out = others.empty() ? candidates.front() : others.front();
  return Choice::Found;
}

}  // namespace cuda
}  // namespace nvsoft
