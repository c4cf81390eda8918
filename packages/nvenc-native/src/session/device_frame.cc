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

}  // namespace nvenc
