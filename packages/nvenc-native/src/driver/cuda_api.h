#pragma once
// The CUDA driver entry points this addon uses, bound from a dlopen()ed libcuda. Types come from
// nv-codec-headers' dynlink_cuda.h, so no CUDA toolkit is needed to build.
#include <ffnvcodec/dynlink_cuda.h>

#include <string>

#include "driver/dynamic_library.h"

namespace nvenc {

// dynlink_cuda.h declares only a few CUresult values; these are the CUDA driver API's numbers.
constexpr CUresult kCudaErrorInvalidValue = static_cast<CUresult>(1);
constexpr CUresult kCudaErrorNotInitialized = static_cast<CUresult>(3);
constexpr CUresult kCudaErrorInvalidContext = static_cast<CUresult>(201);

class CudaApi {
 public:
  // `library` is a soname or a path; see DynamicLibrary.
  explicit CudaApi(const std::string& library);

  bool ok() const { return error_.empty(); }
  // Why the library is unusable (dlopen text or the missing symbol); empty when ok().
  const std::string& error() const { return error_; }
  const DynamicLibrary& library() const { return lib_; }
  // CUresult → "CUDA_ERROR_X" (falls back to the number when the driver has no name for it).
  std::string errorName(CUresult r) const;
  std::string errorString(CUresult r) const;

  CUresult (*cuInit)(unsigned int) = nullptr;
  CUresult (*cuDriverGetVersion)(int*) = nullptr;
  CUresult (*cuDeviceGetCount)(int*) = nullptr;
  CUresult (*cuDeviceGet)(CUdevice*, int) = nullptr;
  CUresult (*cuDeviceGetName)(char*, int, CUdevice) = nullptr;
  CUresult (*cuDeviceGetAttribute)(int*, CUdevice_attribute, CUdevice) = nullptr;
  CUresult (*cuDeviceTotalMem)(size_t*, CUdevice) = nullptr;
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice) = nullptr;
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice) = nullptr;
  CUresult (*cuCtxPushCurrent)(CUcontext) = nullptr;
  CUresult (*cuCtxPopCurrent)(CUcontext*) = nullptr;
  CUresult (*cuCtxGetCurrent)(CUcontext*) = nullptr;
  CUresult (*cuCtxGetDevice)(CUdevice*) = nullptr;
  CUresult (*cuCtxSynchronize)() = nullptr;
  CUresult (*cuMemAlloc)(CUdeviceptr*, size_t) = nullptr;
  CUresult (*cuMemAllocPitch)(CUdeviceptr*, size_t*, size_t, size_t, unsigned int) = nullptr;
  CUresult (*cuMemFree)(CUdeviceptr) = nullptr;
  CUresult (*cuMemAllocHost)(void**, size_t) = nullptr;
  CUresult (*cuMemFreeHost)(void*) = nullptr;
  CUresult (*cuMemHostRegister)(void*, size_t, unsigned int) = nullptr;
  CUresult (*cuMemHostUnregister)(void*) = nullptr;
  CUresult (*cuMemcpy2D)(const CUDA_MEMCPY2D*) = nullptr;
  CUresult (*cuMemcpy2DAsync)(const CUDA_MEMCPY2D*, CUstream) = nullptr;
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t) = nullptr;
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void*, size_t, CUstream) = nullptr;
  CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, size_t) = nullptr;
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t) = nullptr;
  CUresult (*cuPointerGetAttribute)(void*, int, CUdeviceptr) = nullptr;
  CUresult (*cuStreamCreate)(CUstream*, unsigned int) = nullptr;
  CUresult (*cuStreamDestroy)(CUstream) = nullptr;
  CUresult (*cuStreamSynchronize)(CUstream) = nullptr;
  CUresult (*cuGetErrorName)(CUresult, const char**) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char**) = nullptr;

 private:
  DynamicLibrary lib_;
  std::string error_;
};

}  // namespace nvenc
