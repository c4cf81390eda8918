#include "driver/cuda_api.h"

namespace nvenc {

CudaApi::CudaApi(const std::string& library) : lib_(library) {
  if (!lib_.ok()) {
    error_ = lib_.error();
    return;
  }
  std::string missing;
  auto need = [&](auto& fn, const char* name) {
    if (!lib_.bind(fn, name)) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  // The _v2 names are the 64-bit-size entry points every driver since CUDA 3.2 exports.
  need(cuInit, "cuInit");
  need(cuDriverGetVersion, "cuDriverGetVersion");
  need(cuDeviceGetCount, "cuDeviceGetCount");
  need(cuDeviceGet, "cuDeviceGet");
  need(cuDeviceGetName, "cuDeviceGetName");
  need(cuDeviceGetAttribute, "cuDeviceGetAttribute");
  need(cuDeviceTotalMem, "cuDeviceTotalMem_v2");
  need(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  if (!lib_.bind(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"))
    need(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease");
  need(cuCtxPushCurrent, "cuCtxPushCurrent_v2");
  need(cuCtxPopCurrent, "cuCtxPopCurrent_v2");
  need(cuCtxGetCurrent, "cuCtxGetCurrent");
  need(cuCtxGetDevice, "cuCtxGetDevice");
  need(cuCtxSynchronize, "cuCtxSynchronize");
  need(cuMemAlloc, "cuMemAlloc_v2");
  need(cuMemAllocPitch, "cuMemAllocPitch_v2");
  need(cuMemFree, "cuMemFree_v2");
  need(cuMemAllocHost, "cuMemAllocHost_v2");
  need(cuMemFreeHost, "cuMemFreeHost");
  need(cuMemHostRegister, "cuMemHostRegister_v2");
  need(cuMemHostUnregister, "cuMemHostUnregister");
  need(cuMemcpy2D, "cuMemcpy2D_v2");
  need(cuMemcpy2DAsync, "cuMemcpy2DAsync_v2");
  need(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  need(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  need(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  need(cuMemsetD8, "cuMemsetD8_v2");
  need(cuPointerGetAttribute, "cuPointerGetAttribute");
  need(cuStreamCreate, "cuStreamCreate");
  need(cuStreamDestroy, "cuStreamDestroy_v2");
  need(cuStreamSynchronize, "cuStreamSynchronize");
  need(cuGetErrorName, "cuGetErrorName");
  need(cuGetErrorString, "cuGetErrorString");
  if (!missing.empty()) error_ = lib_.resolvedPath() + " lacks CUDA driver symbols: " + missing;
}

std::string CudaApi::errorName(CUresult r) const {
  const char* s = nullptr;
  if (cuGetErrorName && cuGetErrorName(r, &s) == CUDA_SUCCESS && s) return s;
  return "CUDA_ERROR_" + std::to_string(static_cast<int>(r));
}

std::string CudaApi::errorString(CUresult r) const {
  const char* s = nullptr;
  if (cuGetErrorString && cuGetErrorString(r, &s) == CUDA_SUCCESS && s) return s;
  return errorName(r);
}

}  // namespace nvenc
