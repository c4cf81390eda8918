#pragma once
// The checks a caller's CUDA pointer passes before NVENC registers it as an encoder input, so a
// wrong pointer gets a sentence naming the problem instead of a driver status from deep inside
// nvEncRegisterResource or nvEncEncodePicture.
#include <cstddef>
#include <string>

#include "session/cuda_context.h"
#include "session/frame_layout.h"

namespace nvenc {

// Throws INVALID_FRAME unless `ptr` is device memory of `context`'s GPU that holds a whole frame
// of `layout` at `pitch`. `deviceName` names the encoder's GPU in the message.
void checkDevicePointer(const CudaContext& context, const FrameLayout& layout, const std::string& deviceName,
                        CUdeviceptr ptr, size_t pitch);

}  // namespace nvenc
