#pragma once
// What an open NVENC session can do: the codec GUIDs it offers, single capability queries, the
// named capability table behind getCapabilities(), and the check of a request against them
// (FFmpeg nvenc.c's nvenc_check_capabilities: asked before used, a refusal names the limit).
#include <ffnvcodec/nvEncodeAPI.h>

#include <string>
#include <utility>
#include <vector>

#include "session/session_types.h"

namespace nvenc {

GUID codecGuid(Codec codec);
// getCapabilities()'s name of a capability (camelCase of NV_ENC_CAPS_*).
const char* capabilityName(NV_ENC_CAPS which);

class SessionCapabilities {
 public:
  SessionCapabilities(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder) : fns_(fns), encoder_(encoder) {}

  // One capability, or -1 when the driver does not answer it.
  int get(Codec codec, NV_ENC_CAPS which) const;
  // Whether the session offers the codec (AV1 also needs an ABI that has it).
  bool offers(Codec codec) const;
  // { "supported": 0/1 } and, when supported, every named capability the driver answers.
  std::vector<std::pair<std::string, int>> describe(Codec codec) const;
  // Throws NV_ENC_ERR_UNSUPPORTED_PARAM (phase "caps") naming the first limit the request breaks.
  void check(const SessionOptions& options, const FrameLayout& layout, const std::string& deviceName) const;

 private:
  // The encoder controls (intra refresh, slices, AQ, lookahead, ...): CAPABILITY_UNSUPPORTED.
  void checkControls(const SessionOptions& options, const std::string& deviceName) const;
  std::vector<GUID> codecGuids(bool strict) const;
  bool query(Codec codec, NV_ENC_CAPS which, int& value) const;

  const NV_ENCODE_API_FUNCTION_LIST& fns_;
  void* encoder_;
};

}  // namespace nvenc
