#pragma once
// A CUDA device pointer registered with NVENC (nvEncRegisterResource, CUDADEVICEPTR), mapped for
// each picture that reads it. Registration is the costly step, so one registration serves every
// frame from the same memory; mapping is counted so a buffer can be in flight more than once.
#include <ffnvcodec/nvEncodeAPI.h>

#include "driver/cuda_api.h"
#include "session/frame_layout.h"

namespace nvenc {

class RegisteredResource {
 public:
  RegisteredResource(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, CUdeviceptr ptr, size_t pitch,
                     const FrameLayout& layout);
  // Unmaps (if still mapped) and unregisters.
  ~RegisteredResource();
  RegisteredResource(const RegisteredResource&) = delete;
  RegisteredResource& operator=(const RegisteredResource&) = delete;

  NV_ENC_INPUT_PTR map();
  void unmap();
  bool mapped() const { return mapCount_ > 0; }
  CUdeviceptr ptr() const { return ptr_; }
  size_t pitch() const { return pitch_; }
  const FrameLayout& layout() const { return layout_; }

 private:
  const NV_ENCODE_API_FUNCTION_LIST& fns_;
  void* encoder_;
  CUdeviceptr ptr_;
  size_t pitch_;
  FrameLayout layout_;
  NV_ENC_REGISTERED_PTR registered_ = nullptr;
  NV_ENC_INPUT_PTR mappedPtr_ = nullptr;
  int mapCount_ = 0;
};

}  // namespace nvenc
