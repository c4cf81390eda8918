#pragma once
// Every difference between the NVENC ABIs this addon is built for lives here; the rest of the
// code is identical for each nvenc_<abi>.node. Each build includes its own nvEncodeAPI.h (the
// include path picks the ABI), so this file only answers questions the headers cannot.
#include <ffnvcodec/nvEncodeAPI.h>

#include <type_traits>

namespace nvenc::abi {

constexpr unsigned kMajor = NVENCAPI_MAJOR_VERSION;
constexpr unsigned kMinor = NVENCAPI_MINOR_VERSION;

// AV1 encoding arrived with NVENC API 12.0.
constexpr bool kHasAv1 = kMajor >= 12;

// Later headers turned some uint32_t VUI/config fields into enums; assigning through this keeps
// one spelling for every ABI.
template <typename Field, typename Value>
inline void assign(Field& field, Value value) {
  field = static_cast<std::remove_reference_t<Field>>(value);
}

}  // namespace nvenc::abi
