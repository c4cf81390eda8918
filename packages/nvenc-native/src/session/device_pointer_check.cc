#include "session/device_pointer_check.h"

#include <cstdio>

#include "native_error.h"

namespace nvenc {

namespace {

// cuPointerGetAttribute attribute numbers (CUDA driver API; dynlink_cuda.h lists none of them).
constexpr int kPointerAttributeMemoryType = 2;
constexpr int kPointerAttributeRangeStart = 11;
constexpr int kPointerAttributeRangeSize = 12;
constexpr int kPointerAttributeDeviceOrdinal = 9;

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void checkDevicePointer(const CudaContext& context, const FrameLayout& layout, const std::string& deviceName,
                        CUdeviceptr ptr, size_t pitch) {
  const size_t rowBytes = layout.rowBytes();
  if (ptr == 0) throw NativeError("INVALID_FRAME", "devicePtr is 0 (a null CUDA pointer)", 0, "input");
  if (pitch < rowBytes)
    throw NativeError("INVALID_FRAME",
                      "pitch " + std::to_string(pitch) + " is smaller than one row of a " + layout.describe() +
                          " frame (" + std::to_string(rowBytes) + " bytes)",
                      0, "input");
  const CudaApi& cuda = context.cuda();
  unsigned int memoryType = 0;
  CUresult r = cuda.cuPointerGetAttribute(&memoryType, kPointerAttributeMemoryType, ptr);
  if (r != CUDA_SUCCESS || memoryType != CU_MEMORYTYPE_DEVICE)
    throw NativeError("INVALID_FRAME",
                      "devicePtr " + hex(ptr) + " is not CUDA device memory" +
                          (r != CUDA_SUCCESS ? " (cuPointerGetAttribute: " + cuda.errorName(r) + ")" : ""),
                      0, "input");
  // Unified addressing lets CUDA copy from another GPU's memory, so a pointer of the wrong GPU
  // would "work" through a slow peer copy (or fail inside NVENC): refuse it by name. Drivers that
  // cannot tell the ordinal skip the check.
  int ordinal = -1;
  if (cuda.cuPointerGetAttribute(&ordinal, kPointerAttributeDeviceOrdinal, ptr) == CUDA_SUCCESS && ordinal >= 0 &&
      ordinal != context.ordinal())
    throw NativeError("INVALID_FRAME",
                      "devicePtr " + hex(ptr) + " is memory of GPU " + std::to_string(ordinal) +
                          ", but this encoder runs on GPU " + std::to_string(context.ordinal()) + " (" + deviceName +
                          "): allocate the frame on the encoder's GPU (device: { gpu: " + std::to_string(ordinal) +
                          " } encodes that GPU's memory)",
                      0, "input");
  CUdeviceptr start = 0;
  size_t size = 0;
  if (cuda.cuPointerGetAttribute(&start, kPointerAttributeRangeStart, ptr) == CUDA_SUCCESS &&
      cuda.cuPointerGetAttribute(&size, kPointerAttributeRangeSize, ptr) == CUDA_SUCCESS && size > 0) {
    const size_t need = layout.bytes(pitch);
    if (ptr + need > start + size)
      throw NativeError("INVALID_FRAME",
                        "a " + layout.describe() + " frame with pitch " + std::to_string(pitch) + " needs " +
                            std::to_string(need) + " bytes from devicePtr " + hex(ptr) + ", but its allocation ends " +
                            std::to_string(start + size - ptr) + " bytes after it",
                        0, "input");
  }
}

}  // namespace nvenc
