#pragma once
// The encoder configuration for a session's options, built like FFmpeg nvenc.c's
// nvenc_setup_encoder: start from the driver's preset + tuning, choose the profile and rate
// control, then one function per codec (H.264, HEVC, AV1) fills its codec-specific part.
#include <ffnvcodec/nvEncodeAPI.h>

#include "session/session_types.h"

namespace nvenc {

GUID presetGuid(int preset);

NV_ENC_CONFIG buildEncodeConfig(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, const SessionOptions& options,
                                const FrameLayout& layout);

}  // namespace nvenc
