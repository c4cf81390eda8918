#pragma once
// The CUDA context a session encodes in: either the device's primary context (retained here,
// released when the last holder goes) or a context the caller owns. Shared, because pinned host
// frames handed to JS must be freed in the context that allocated them, possibly after the
// encoder that made them has closed.
#include <memory>

#include "driver/driver.h"

namespace nvenc {

class CudaContext {
 public:
  // Retains the primary context of device ordinal `gpu`.
  static std::shared_ptr<CudaContext> primary(std::shared_ptr<Driver> driver, int gpu);
  // Uses `ctx` as given; the caller keeps it alive for the session's life.
  static std::shared_ptr<CudaContext> external(std::shared_ptr<Driver> driver, CUcontext ctx);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  CUcontext get() const { return ctx_; }
  const CudaApi& cuda() const { return driver_->cuda(); }
  const Driver& driver() const { return *driver_; }
  const std::shared_ptr<Driver>& driverRef() const { return driver_; }
  int ordinal() const { return ordinal_; }

 private:
  CudaContext(std::shared_ptr<Driver> driver, CUcontext ctx, CUdevice dev, int ordinal, bool primary)
      : driver_(std::move(driver)), ctx_(ctx), device_(dev), ordinal_(ordinal), ownsPrimary_(primary) {}
  std::shared_ptr<Driver> driver_;
  CUcontext ctx_ = nullptr;
  CUdevice device_ = 0;
  int ordinal_ = 0;
  bool ownsPrimary_ = false;
};

}  // namespace nvenc
