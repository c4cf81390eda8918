#pragma once
// How a host picture reaches the encoder's device surface. Three ways, one class:
//   pinned  (allocateHostFrame): one async DMA from the caller's page-locked memory;
//   direct  (pageable Buffer): the driver's pageable copy, as one contiguous cuMemcpyHtoD where
//           the layout allows (the driver's 2D pageable path ran at about half its 1D speed on
//           an H100), via a linear device buffer and a device-to-device 2D copy into the pitched
//           surface when the surface's pitch differs;
//   staged  (pageable Buffer): the picture is cut into row chunks; a small pool of threads copies
//           them into pinned staging memory while the copy engine already moves the chunks that
//           are done, so CPU copies and DMA overlap.
// HostUpload::Auto times direct and staged on the first pageable frames of the session and keeps
// the faster (which one wins depends on the host's memory bandwidth and the PCIe link).
//
// All copies go to the session's non-blocking stream: a copy on the legacy default stream would
// wait for (and hold up) every other session's copies in the same context.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "session/cuda_context.h"
#include "session/device_frame.h"
#include "session/frame_layout.h"
#include "session/session_types.h"

namespace nvenc {

const char* hostUploadName(HostUpload h);

class HostFrameUpload {
 public:
  HostFrameUpload(const CudaContext& ctx, const FrameLayout& layout, HostUpload mode);
  // Frees the staging memory; the context must be current.
  ~HostFrameUpload();
  HostFrameUpload(const HostFrameUpload&) = delete;
  HostFrameUpload& operator=(const HostFrameUpload&) = delete;

  // Copies `src` (planes stacked at `srcPitch`) into `dst` and waits until it is there. The
  // context must be current. Returns the method used (Direct/Staged; pinned memory counts as Direct).
  HostUpload upload(const uint8_t* src, size_t srcPitch, bool pinned, const DeviceFrame& dst, CUstream stream);

  // The method pageable frames use now: Auto while the first frames are still being timed.
  HostUpload pageableMethod() const { return decided_; }

 private:
  void direct(const uint8_t* src, size_t srcPitch, const DeviceFrame& dst, CUstream stream);
  void staged(const uint8_t* src, size_t srcPitch, const DeviceFrame& dst, CUstream stream);
  HostUpload nextTrial() const;
  void recordTrial(HostUpload used, double us);

  const CudaContext& ctx_;
  FrameLayout layout_;
  HostUpload decided_;
  CUdeviceptr linear_ = 0;   // tight device copy of a frame (direct path, pitched surfaces)
  void* staging_ = nullptr;  // pinned, tight (staged path)
  std::vector<double> directUs_, stagedUs_;
};

}  // namespace nvenc
