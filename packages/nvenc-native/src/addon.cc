// Module entry point: one binary per NVENC ABI (NVENC_ABI_STRING), all from these sources.
#include <napi.h>

#include "encoder_binding.h"
#include "probe.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  nvenc::RegisterProbe(env, exports);
  nvenc::RegisterEncoder(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(NVENC_ADDON_NAME, Init)
