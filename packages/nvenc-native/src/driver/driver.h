#pragma once
// A loaded pair of driver libraries (CUDA + NVENC), shared by every session that names the same
// paths. Libraries are process-wide, so pairs are cached for the life of the process.
#include <memory>
#include <mutex>
#include <string>

#include "driver/cuda_api.h"
#include "driver/nvenc_api.h"

namespace nvenc {

struct LibraryChoice {
  std::string cudaLibrary = "libcuda.so.1";
  std::string nvencLibrary = "libnvidia-encode.so.1";
};

class Driver {
 public:
  static std::shared_ptr<Driver> get(const LibraryChoice& choice);

  const CudaApi& cuda() const { return cuda_; }
  const NvencApi& nvenc() const { return nvenc_; }
  // cuInit(0)'s result, called once per driver.
  CUresult cudaInitStatus() const { return cudaInit_; }
  const LibraryChoice& choice() const { return choice_; }

  // Throws NativeError(SOFTWARE_DEVICE_HOLDS_DRIVER_NAME / DRIVER_NOT_FOUND / NVENC_LIBRARY_NOT_FOUND /
  // CUDA_ERROR_* / ABI_UNSUPPORTED) unless both libraries are usable by this binary's ABI.
  void requireUsable() const;
  // True when the loaded CUDA library is the project's software libcuda (it exports
  // nvsoft_cuda_live_allocations, which NVIDIA's driver never does).
  bool softwareCuda() const { return softwareCuda_; }
  // Non-empty when a library was asked for by soname (NVIDIA's driver) but the name resolved to the
  // software device: the sentence that explains it. Such a pair is never used.
  const std::string& softwareHoldsName() const { return softwareHoldsName_; }
  // "NVIDIA H100 80GB HBM3" for a device ordinal; "GPU <n>" when the name cannot be read.
  std::string deviceName(int ordinal) const;

 private:
  explicit Driver(const LibraryChoice& choice);
  LibraryChoice choice_;
  CudaApi cuda_;
  CUresult cudaInit_ = kCudaErrorNotInitialized;
  NvencApi nvenc_;
  bool softwareCuda_ = false;
  std::string softwareHoldsName_;
};

// Keeps a CUDA context current on the calling thread for a scope (push/pop pairing).
class ScopedContext {
 public:
  ScopedContext(const CudaApi& cuda, CUcontext ctx);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  const CudaApi& cuda_;
  bool pushed_ = false;
};

}  // namespace nvenc
