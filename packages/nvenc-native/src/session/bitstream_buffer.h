#pragma once
// One NVENC output bitstream buffer (nvEncCreateBitstreamBuffer), and a scoped lock on it.
#include <ffnvcodec/nvEncodeAPI.h>

namespace nvenc {

class BitstreamBuffer {
 public:
  BitstreamBuffer(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder);
  ~BitstreamBuffer();
  BitstreamBuffer(const BitstreamBuffer&) = delete;
  BitstreamBuffer& operator=(const BitstreamBuffer&) = delete;

  NV_ENC_OUTPUT_PTR get() const { return buffer_; }

 private:
  const NV_ENCODE_API_FUNCTION_LIST& fns_;
  void* encoder_;
  NV_ENC_OUTPUT_PTR buffer_ = nullptr;
};

// nvEncLockBitstream for a scope. On Linux the lock blocks until the frame is encoded (NVENC
// runs synchronously there), so this is where the encoder thread waits for the hardware.
class LockedBitstream {
 public:
  // sliceOffsets: where NVENC writes each slice's offset (one entry per macroblock), or null.
  LockedBitstream(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, NV_ENC_OUTPUT_PTR buffer,
                  uint32_t* sliceOffsets = nullptr);
  ~LockedBitstream();
  LockedBitstream(const LockedBitstream&) = delete;
  LockedBitstream& operator=(const LockedBitstream&) = delete;

  const NV_ENC_LOCK_BITSTREAM& params() const { return params_; }
  const uint8_t* data() const { return static_cast<const uint8_t*>(params_.bitstreamBufferPtr); }
  size_t size() const { return params_.bitstreamSizeInBytes; }

 private:
  const NV_ENCODE_API_FUNCTION_LIST& fns_;
  void* encoder_;
  NV_ENC_LOCK_BITSTREAM params_{};
};

}  // namespace nvenc
