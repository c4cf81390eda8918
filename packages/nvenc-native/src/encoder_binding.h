#pragma once
#include <napi.h>

namespace nvenc {
// Exports the Encoder class (see BINDING.md) and the test-only `_testing` helpers.
void RegisterEncoder(Napi::Env env, Napi::Object exports);
}  // namespace nvenc
