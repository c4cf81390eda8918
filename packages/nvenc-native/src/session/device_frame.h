#pragma once
// A pitched device surface the encoder owns, holding one input picture. Host frames are copied
// into it (host_upload.h); NVENC reads it through a RegisteredResource.
#include "session/cuda_context.h"
#include "session/frame_layout.h"

namespace nvenc {

class DeviceFrame {
 public:
  // Allocates with cuMemAllocPitch; the context must be current.
  DeviceFrame(const CudaContext& ctx, const FrameLayout& layout);
  // Frees; the context must be current.
  ~DeviceFrame();
  DeviceFrame(const DeviceFrame&) = delete;
  DeviceFrame& operator=(const DeviceFrame&) = delete;

  CUdeviceptr ptr() const { return ptr_; }
  size_t pitch() const { return pitch_; }
  const FrameLayout& layout() const { return layout_; }

 private:
  const CudaContext& ctx_;
  FrameLayout layout_;
  CUdeviceptr ptr_ = 0;
  size_t pitch_ = 0;
};

}  // namespace nvenc
