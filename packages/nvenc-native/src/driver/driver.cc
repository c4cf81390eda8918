#include "driver/driver.h"

#include <map>

#include "native_error.h"

namespace nvenc {

// Members initialise in declaration order, and that order matters: CUDA is loaded and initialised
// before NVENC, because a software NVENC library finds "libcuda.so.1" among the libraries already
// loaded, so the order decides which CUDA it reads frames through.
Driver::Driver(const LibraryChoice& choice)
    : choice_(choice),
      cuda_(choice.cudaLibrary),
      cudaInit_(cuda_.ok() ? cuda_.cuInit(0) : kCudaErrorNotInitialized),
      nvenc_(choice.nvencLibrary) {
  softwareCuda_ = cuda_.library().symbol("nvsoft_cuda_live_allocations") != nullptr;
  // The software device's libraries carry NVIDIA's sonames (libcuda.so.1, libnvidia-encode.so.1),
  // and dlopen() of a bare soname returns a library already loaded under that soname. So once a
  // process has loaded the software device (device: 'software'), or LD_LIBRARY_PATH finds it
  // first, asking for the driver by name silently yields the software device. Identify what was
  // loaded and refuse, rather than call a software result an NVIDIA one.
  auto bySoname = [](const std::string& name) { return name.find('/') == std::string::npos; };
  std::string held;
  if (bySoname(choice.cudaLibrary) && softwareCuda_)
    held = choice.cudaLibrary + " (" + cuda_.library().resolvedPath() + ")";
  if (bySoname(choice.nvencLibrary) && nvenc_.library().ok() && nvenc_.isSoftware())
    held += (held.empty() ? "" : " and ") + choice.nvencLibrary + " (" + nvenc_.library().resolvedPath() + ")";
  if (!held.empty()) {
    softwareHoldsName_ =
        "NVIDIA's driver was asked for by name, but in this process " + held +
        " is the software NVENC device: it was loaded earlier (an encoder or probe with device: 'software') or "
        "LD_LIBRARY_PATH finds it first, and the dynamic loader returns an already loaded library for its soname. "
        "The NVIDIA driver cannot be loaded beside it. Use device: 'software' for this encoder, or open NVIDIA and "
        "software encoders in separate processes (worker threads share the process).";
  }
}

std::shared_ptr<Driver> Driver::get(const LibraryChoice& choice) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<Driver>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_pair(choice.cudaLibrary, choice.nvencLibrary);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto driver = std::shared_ptr<Driver>(new Driver(choice));
  cache.emplace(key, driver);
  return driver;
}

void Driver::requireUsable() const {
  if (!cuda_.ok()) {
    throw NativeError(
        "DRIVER_NOT_FOUND",
        "The NVIDIA CUDA driver could not be loaded (looked for " + choice_.cudaLibrary + "): " + cuda_.error(), 0,
        "load");
  }
  if (!softwareHoldsName_.empty())
    throw NativeError("SOFTWARE_DEVICE_HOLDS_DRIVER_NAME", softwareHoldsName_, 0, "load");
  if (cudaInit_ != CUDA_SUCCESS) {
    throw NativeError(cuda_.errorName(cudaInit_), "cuInit failed: " + cuda_.errorString(cudaInit_),
                      static_cast<int>(cudaInit_), "load");
  }
  if (!nvenc_.ok()) {
    throw NativeError(
        "NVENC_LIBRARY_NOT_FOUND",
        "The NVENC library could not be loaded (looked for " + choice_.nvencLibrary + "): " + nvenc_.error(), 0,
        "load");
  }
  ApiVersion mine = compiledApiVersion();
  if (nvenc_.maxVersionStatus() == NV_ENC_SUCCESS && nvenc_.maxVersion() < mine) {
    throw NativeError(
        "ABI_UNSUPPORTED",
        "The driver supports NVENC API " + nvenc_.maxVersion().str() + "; this binary needs " + mine.str(), 0, "load");
  }
}

std::string Driver::deviceName(int ordinal) const {
  CUdevice dev = 0;
  char name[256] = {0};
  if (cuda_.ok() && cudaInit_ == CUDA_SUCCESS && cuda_.cuDeviceGet(&dev, ordinal) == CUDA_SUCCESS &&
      cuda_.cuDeviceGetName(name, sizeof(name), dev) == CUDA_SUCCESS)
    return name;
  return "GPU " + std::to_string(ordinal);
}

ScopedContext::ScopedContext(const CudaApi& cuda, CUcontext ctx) : cuda_(cuda) {
  CUresult r = cuda_.cuCtxPushCurrent(ctx);
  if (r != CUDA_SUCCESS)
    throw NativeError(cuda_.errorName(r), "cuCtxPushCurrent failed: " + cuda_.errorString(r), static_cast<int>(r),
                      "cuda");
  pushed_ = true;
}

ScopedContext::~ScopedContext() {
  if (pushed_) {
    CUcontext popped = nullptr;
    cuda_.cuCtxPopCurrent(&popped);
  }
}

}  // namespace nvenc
