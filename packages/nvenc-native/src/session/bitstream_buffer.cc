#include "session/bitstream_buffer.h"

#include "session/status_check.h"

namespace nvenc {

BitstreamBuffer::BitstreamBuffer(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder) : fns_(fns), encoder_(encoder) {
  NV_ENC_CREATE_BITSTREAM_BUFFER params{};
  params.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
  checkNvenc(fns_, encoder_, fns_.nvEncCreateBitstreamBuffer(encoder_, &params), "nvEncCreateBitstreamBuffer",
             "allocate");
  buffer_ = params.bitstreamBuffer;
}

BitstreamBuffer::~BitstreamBuffer() {
  if (buffer_) fns_.nvEncDestroyBitstreamBuffer(encoder_, buffer_);
}

LockedBitstream::LockedBitstream(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, NV_ENC_OUTPUT_PTR buffer,
                                 uint32_t* sliceOffsets)
    : fns_(fns), encoder_(encoder) {
  params_.version = NV_ENC_LOCK_BITSTREAM_VER;
  params_.outputBitstream = buffer;
  params_.sliceOffsets = sliceOffsets;
  checkNvenc(fns_, encoder_, fns_.nvEncLockBitstream(encoder_, &params_), "nvEncLockBitstream", "output");
}

LockedBitstream::~LockedBitstream() { fns_.nvEncUnlockBitstream(encoder_, params_.outputBitstream); }

}  // namespace nvenc
