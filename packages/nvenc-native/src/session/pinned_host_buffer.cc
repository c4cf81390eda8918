#include "session/pinned_host_buffer.h"

#include <map>
#include <mutex>

#include "session/status_check.h"

namespace nvenc {

namespace {

struct PinnedRange {
  size_t size;
  CUcontext ctx;
};

// Live pinned allocations by start address, so the encoder can tell a pinned frame from a
// pageable one without asking the driver per frame.
std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}
std::map<const char*, PinnedRange>& registry() {
  static auto* r = new std::map<const char*, PinnedRange>();  // never destroyed: finalizers may run at exit
  return *r;
}

}  // namespace

PinnedHostBuffer::PinnedHostBuffer(std::shared_ptr<CudaContext> ctx, size_t bytes)
    : ctx_(std::move(ctx)), size_(bytes) {
  ScopedContext scope(ctx_->cuda(), ctx_->get());
  checkCuda(ctx_->cuda(), ctx_->cuda().cuMemAllocHost(&data_, bytes), "cuMemAllocHost", "allocate");
  std::lock_guard<std::mutex> lock(registryMutex());
  registry()[static_cast<const char*>(data_)] = {size_, ctx_->get()};
}

PinnedHostBuffer::~PinnedHostBuffer() {
  if (!data_) return;
  {
    std::lock_guard<std::mutex> lock(registryMutex());
    registry().erase(static_cast<const char*>(data_));
  }
  const CudaApi& cuda = ctx_->cuda();
  if (cuda.cuCtxPushCurrent(ctx_->get()) == CUDA_SUCCESS) {
    cuda.cuMemFreeHost(data_);
    CUcontext popped = nullptr;
    cuda.cuCtxPopCurrent(&popped);
  }
}

bool PinnedHostBuffer::isPinned(const void* p, size_t bytes, CUcontext ctx) {
  const char* c = static_cast<const char*>(p);
  std::lock_guard<std::mutex> lock(registryMutex());
  auto& r = registry();
  auto it = r.upper_bound(c);
  if (it == r.begin()) return false;
  --it;
  return it->second.ctx == ctx && c >= it->first && c + bytes <= it->first + it->second.size;
}

}  // namespace nvenc
