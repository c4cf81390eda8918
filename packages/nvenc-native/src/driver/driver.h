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

  // Throws NativeError(DRIVER_NOT_FOUND / NVENC_LIBRARY_NOT_FOUND / CUDA_ERROR_* / ABI_UNSUPPORTED)
  // unless both libraries are usable by this binary's ABI.
  void requireUsable() const;
  // "NVIDIA H100 80GB HBM3" for a device ordinal; "GPU <n>" when the name cannot be read.
  std::string deviceName(int ordinal) const;

 private:
  explicit Driver(const LibraryChoice& choice);
  LibraryChoice choice_;
  CudaApi cuda_;
  CUresult cudaInit_ = kCudaErrorNotInitialized;
  NvencApi nvenc_;
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
