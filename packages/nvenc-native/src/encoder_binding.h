#pragma once
#include <napi.h>

namespace nvenc {
// Exports the Encoder class (see BINDING.md) and the test-only `_testing` helpers.
void RegisterEncoder(Napi::Env env, Napi::Object exports);
// Exports `_testing` (testing_binding.cc): CUDA allocations, copies and software-device counters.
void RegisterTesting(Napi::Env env, Napi::Object exports);
}  // namespace nvenc
