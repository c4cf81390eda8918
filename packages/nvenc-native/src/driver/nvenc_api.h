#pragma once
// NVIDIA's NVENC library, bound from a dlopen()ed libnvidia-encode, and its function list.
#include <ffnvcodec/nvEncodeAPI.h>

#include <string>

#include "driver/dynamic_library.h"

namespace nvenc {

struct ApiVersion {
  unsigned major = 0;
  unsigned minor = 0;
  // NvEncodeAPIGetMaxSupportedVersion encodes major << 4 | minor.
  static ApiVersion fromDriver(uint32_t packed) { return {packed >> 4, packed & 0xf}; }
  bool operator<(const ApiVersion& o) const { return major != o.major ? major < o.major : minor < o.minor; }
  std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

// The NVENC API version this binary was compiled against (its ABI).
inline ApiVersion compiledApiVersion() { return {NVENCAPI_MAJOR_VERSION, NVENCAPI_MINOR_VERSION}; }

class NvencApi {
 public:
  explicit NvencApi(const std::string& library);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const DynamicLibrary& library() const { return lib_; }
  // The driver's maximum NVENC API version, and the status of asking for it.
  NVENCSTATUS maxVersionStatus() const { return maxVersionStatus_; }
  ApiVersion maxVersion() const { return maxVersion_; }
  // True when the library is the project's software device, not NVIDIA's driver.
  bool isSoftware() const { return !softwareIdentity_.empty(); }
  const std::string& softwareIdentity() const { return softwareIdentity_; }
  // Fills the function list for this binary's ABI. Only valid when ok().
  const NV_ENCODE_API_FUNCTION_LIST& functions() const { return functions_; }
  NVENCSTATUS createInstanceStatus() const { return createStatus_; }
  // Calls NvEncodeAPICreateInstance again with this ABI's function-list version. Measured on the
  // H100 (driver 580): the driver keeps the version of the latest call process-wide, so after
  // another ABI's binary created an instance, sessions opened with this ABI's structs fail with
  // NV_ENC_ERR_INVALID_VERSION. Call before every session open.
  NVENCSTATUS reassertVersion() const;

 private:
  DynamicLibrary lib_;
  std::string error_;
  NVENCSTATUS maxVersionStatus_ = NV_ENC_ERR_GENERIC;
  NVENCSTATUS createStatus_ = NV_ENC_ERR_GENERIC;
  ApiVersion maxVersion_;
  std::string softwareIdentity_;
  NV_ENCODE_API_FUNCTION_LIST functions_{};
  NVENCSTATUS (*create_)(NV_ENCODE_API_FUNCTION_LIST*) = nullptr;
};

// "NV_ENC_ERR_NO_ENCODE_DEVICE" for a status; "NV_ENC_STATUS_<n>" for values this ABI lacks.
std::string nvencStatusName(NVENCSTATUS status);
// One sentence a user can act on, from NVIDIA's header documentation of the status.
const char* nvencStatusMeaning(NVENCSTATUS status);

}  // namespace nvenc
