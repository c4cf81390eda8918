#include "session/device_frame.h"

#include "session/status_check.h"

namespace nvenc {

DeviceFrame::DeviceFrame(const CudaContext& ctx, const FrameLayout& layout) : ctx_(ctx), layout_(layout) {
  // Element size 16 gives the widest pitch alignment; NVENC wants pitched rows.
  checkCuda(ctx_.cuda(), ctx_.cuda().cuMemAllocPitch(&ptr_, &pitch_, layout.rowBytes(), layout.rows(), 16),
            "cuMemAllocPitch (input surface)", "allocate");
}

DeviceFrame::~DeviceFrame() {
  if (ptr_) ctx_.cuda().cuMemFree(ptr_);
}

void DeviceFrame::upload(const void* src, size_t srcPitch, CUstream stream) {
  CUDA_MEMCPY2D copy{};
  copy.srcMemoryType = CU_MEMORYTYPE_HOST;
  copy.srcHost = src;
  copy.srcPitch = srcPitch;
  copy.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  copy.dstDevice = ptr_;
  copy.dstPitch = pitch_;
  copy.WidthInBytes = layout_.rowBytes();
  copy.Height = layout_.rows();
  const CudaApi& cuda = ctx_.cuda();
  if (stream) {
    checkCuda(cuda, cuda.cuMemcpy2DAsync(&copy, stream), "cuMemcpy2DAsync (host frame upload)", "input");
    checkCuda(cuda, cuda.cuStreamSynchronize(stream), "cuStreamSynchronize (host frame upload)", "input");
  } else {
    checkCuda(cuda, cuda.cuMemcpy2D(&copy), "cuMemcpy2D (host frame upload)", "input");
  }
}

}  // namespace nvenc
