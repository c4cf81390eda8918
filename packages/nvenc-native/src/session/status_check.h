#pragma once
// Turns a failed CUDA or NVENC call into the NativeError the JS boundary understands, naming the
// call, the phase and (for NVENC) the driver's own last-error text.
#include <string>

#include "driver/cuda_api.h"
#include "driver/nvenc_api.h"
#include "native_error.h"

namespace nvenc {

inline void checkCuda(const CudaApi& cuda, CUresult r, const char* call, const char* phase) {
  if (r == CUDA_SUCCESS) return;
  throw NativeError(cuda.errorName(r), std::string(call) + " failed: " + cuda.errorString(r), static_cast<int>(r),
                    phase);
}

// `encoder` may be null (before a session exists); otherwise nvEncGetLastErrorString adds detail.
inline NativeError nvencError(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, NVENCSTATUS s,
                              const std::string& call, const char* phase) {
  std::string message = call + " failed: " + nvencStatusName(s) + " (" + nvencStatusMeaning(s) + ")";
  if (encoder && fns.nvEncGetLastErrorString) {
    const char* detail = fns.nvEncGetLastErrorString(encoder);
    if (detail && *detail) message += ": " + std::string(detail);
  }
  return NativeError(nvencStatusName(s), message, static_cast<int>(s), phase);
}

inline void checkNvenc(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, NVENCSTATUS s, const char* call,
                       const char* phase) {
  if (s != NV_ENC_SUCCESS) throw nvencError(fns, encoder, s, call, phase);
}

}  // namespace nvenc
