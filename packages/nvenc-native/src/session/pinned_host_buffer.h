#pragma once
// Page-locked host memory (cuMemAllocHost) for one frame, handed to JS as a Buffer. Uploads from
// it run at DMA speed (about 54 GB/s on an H100 versus about 15 GB/s from pageable memory, see
// docs/facts.md). It keeps its CUDA context alive, because JS may release the Buffer long after
// the encoder that allocated it has closed, and frees in that context.
#include <cstddef>
#include <memory>

#include "session/cuda_context.h"

namespace nvenc {

class PinnedHostBuffer {
 public:
  PinnedHostBuffer(std::shared_ptr<CudaContext> ctx, size_t bytes);
  ~PinnedHostBuffer();
  PinnedHostBuffer(const PinnedHostBuffer&) = delete;
  PinnedHostBuffer& operator=(const PinnedHostBuffer&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }

  // True when [p, p+bytes) lies inside a live PinnedHostBuffer allocated in `ctx`.
  static bool isPinned(const void* p, size_t bytes, CUcontext ctx);

 private:
  std::shared_ptr<CudaContext> ctx_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace nvenc
