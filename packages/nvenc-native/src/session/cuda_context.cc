#include "session/cuda_context.h"

#include "session/status_check.h"

namespace nvenc {

std::shared_ptr<CudaContext> CudaContext::primary(std::shared_ptr<Driver> driver, int gpu) {
  const CudaApi& cuda = driver->cuda();
  int count = 0;
  checkCuda(cuda, cuda.cuDeviceGetCount(&count), "cuDeviceGetCount", "device");
  if (gpu < 0 || gpu >= count)
    throw NativeError("INVALID_OPTION",
                      "gpu " + std::to_string(gpu) + " does not exist (" + std::to_string(count) + " CUDA device" +
                          (count == 1 ? "" : "s") + " found)",
                      0, "device");
  CUdevice dev = 0;
  checkCuda(cuda, cuda.cuDeviceGet(&dev, gpu), "cuDeviceGet", "device");
  CUcontext ctx = nullptr;
  checkCuda(cuda, cuda.cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain", "device");
  return std::shared_ptr<CudaContext>(new CudaContext(std::move(driver), ctx, dev, gpu, true));
}

std::shared_ptr<CudaContext> CudaContext::external(std::shared_ptr<Driver> driver, CUcontext ctx) {
  const CudaApi& cuda = driver->cuda();
  CUdevice dev = 0;
  {
    ScopedContext scope(cuda, ctx);
    checkCuda(cuda, cuda.cuCtxGetDevice(&dev), "cuCtxGetDevice (cudaContext)", "device");
  }
  // CUdevice handles are device ordinals in every CUDA driver.
  return std::shared_ptr<CudaContext>(new CudaContext(std::move(driver), ctx, dev, static_cast<int>(dev), false));
}

CudaContext::~CudaContext() {
  if (ownsPrimary_) cuda().cuDevicePrimaryCtxRelease(device_);
}

}  // namespace nvenc
