#include "driver/nvenc_api.h"

namespace nvenc {

NvencApi::NvencApi(const std::string& library) : lib_(library) {
  if (!lib_.ok()) {
    error_ = lib_.error();
    return;
  }
  using GetMax = NVENCSTATUS(uint32_t*);
  using Create = NVENCSTATUS(NV_ENCODE_API_FUNCTION_LIST*);
  using Identify = const char*();
  GetMax* getMax = nullptr;
  Create* create = nullptr;
  Identify* identify = nullptr;
  if (!lib_.bind(getMax, "NvEncodeAPIGetMaxSupportedVersion") || !lib_.bind(create, "NvEncodeAPICreateInstance")) {
    error_ = lib_.resolvedPath() + " is not an NVENC library (NvEncodeAPICreateInstance missing)";
    return;
  }
  if (lib_.bind(identify, "nvsoft_nvenc_identify")) softwareIdentity_ = identify();

  uint32_t packed = 0;
  maxVersionStatus_ = getMax(&packed);
  if (maxVersionStatus_ == NV_ENC_SUCCESS) maxVersion_ = ApiVersion::fromDriver(packed);

  create_ = create;
  functions_.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  createStatus_ = create(&functions_);
  if (createStatus_ != NV_ENC_SUCCESS) {
    error_ = "NvEncodeAPICreateInstance failed: " + nvencStatusName(createStatus_);
  }
}

NVENCSTATUS NvencApi::reassertVersion() const {
  if (!create_) return NV_ENC_ERR_INVALID_CALL;
  NV_ENCODE_API_FUNCTION_LIST fresh{};
  fresh.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  return create_(&fresh);
}

std::string nvencStatusName(NVENCSTATUS status) {
  switch (static_cast<int>(status)) {
#define NVENC_STATUS_CASE(s) \
  case s: return #s;
    NVENC_STATUS_CASE(NV_ENC_SUCCESS)
    NVENC_STATUS_CASE(NV_ENC_ERR_NO_ENCODE_DEVICE)
    NVENC_STATUS_CASE(NV_ENC_ERR_UNSUPPORTED_DEVICE)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_ENCODERDEVICE)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_DEVICE)
    NVENC_STATUS_CASE(NV_ENC_ERR_DEVICE_NOT_EXIST)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_PTR)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_EVENT)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_PARAM)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_CALL)
    NVENC_STATUS_CASE(NV_ENC_ERR_OUT_OF_MEMORY)
    NVENC_STATUS_CASE(NV_ENC_ERR_ENCODER_NOT_INITIALIZED)
    NVENC_STATUS_CASE(NV_ENC_ERR_UNSUPPORTED_PARAM)
    NVENC_STATUS_CASE(NV_ENC_ERR_LOCK_BUSY)
    NVENC_STATUS_CASE(NV_ENC_ERR_NOT_ENOUGH_BUFFER)
    NVENC_STATUS_CASE(NV_ENC_ERR_INVALID_VERSION)
    NVENC_STATUS_CASE(NV_ENC_ERR_MAP_FAILED)
    NVENC_STATUS_CASE(NV_ENC_ERR_NEED_MORE_INPUT)
    NVENC_STATUS_CASE(NV_ENC_ERR_ENCODER_BUSY)
    NVENC_STATUS_CASE(NV_ENC_ERR_EVENT_NOT_REGISTERD)
    NVENC_STATUS_CASE(NV_ENC_ERR_GENERIC)
    NVENC_STATUS_CASE(NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY)
    NVENC_STATUS_CASE(NV_ENC_ERR_UNIMPLEMENTED)
    NVENC_STATUS_CASE(NV_ENC_ERR_RESOURCE_REGISTER_FAILED)
    NVENC_STATUS_CASE(NV_ENC_ERR_RESOURCE_NOT_REGISTERED)
    NVENC_STATUS_CASE(NV_ENC_ERR_RESOURCE_NOT_MAPPED)
#undef NVENC_STATUS_CASE
    case 26:  // NV_ENC_ERR_NEED_MORE_OUTPUT, added in API 12.1.
      return "NV_ENC_ERR_NEED_MORE_OUTPUT";
    default: return "NV_ENC_STATUS_" + std::to_string(static_cast<int>(status));
  }
}

const char* nvencStatusMeaning(NVENCSTATUS status) {
  switch (static_cast<int>(status)) {
    case NV_ENC_SUCCESS: return "success";
    case NV_ENC_ERR_NO_ENCODE_DEVICE: return "no encode-capable device was found (this GPU has no NVENC engine)";
    case NV_ENC_ERR_UNSUPPORTED_DEVICE: return "the device passed to the API is not supported";
    case NV_ENC_ERR_INVALID_ENCODERDEVICE: return "the encoder device passed is invalid";
    case NV_ENC_ERR_INVALID_DEVICE: return "the device passed is invalid";
    case NV_ENC_ERR_DEVICE_NOT_EXIST: return "the device no longer exists and the session must be recreated";
    case NV_ENC_ERR_INVALID_PTR: return "an invalid pointer was passed";
    case NV_ENC_ERR_INVALID_EVENT: return "an invalid completion event was passed";
    case NV_ENC_ERR_INVALID_PARAM: return "an invalid parameter was passed";
    case NV_ENC_ERR_INVALID_CALL: return "an API call was made in the wrong sequence";
    case NV_ENC_ERR_OUT_OF_MEMORY: return "the driver ran out of memory or the session limit was reached";
    case NV_ENC_ERR_ENCODER_NOT_INITIALIZED: return "the encoder was not initialized";
    case NV_ENC_ERR_UNSUPPORTED_PARAM: return "an unsupported parameter was passed";
    case NV_ENC_ERR_LOCK_BUSY: return "the output is not ready yet; try locking again";
    case NV_ENC_ERR_NOT_ENOUGH_BUFFER: return "the buffer is too small";
    case NV_ENC_ERR_INVALID_VERSION: return "a structure version does not match the driver's API";
    case NV_ENC_ERR_MAP_FAILED: return "mapping the input resource failed";
    case NV_ENC_ERR_NEED_MORE_INPUT: return "the encoder needs more input before it produces output";
    case NV_ENC_ERR_ENCODER_BUSY: return "the hardware encoder is busy";
    case NV_ENC_ERR_EVENT_NOT_REGISTERD: return "the completion event was not registered";
    case NV_ENC_ERR_GENERIC: return "an unknown internal error occurred";
    case NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY: return "the client key is not valid for this device";
    case NV_ENC_ERR_UNIMPLEMENTED: return "the feature is not implemented by this driver";
    case NV_ENC_ERR_RESOURCE_REGISTER_FAILED: return "registering the resource failed";
    case NV_ENC_ERR_RESOURCE_NOT_REGISTERED: return "the resource is not registered";
    case NV_ENC_ERR_RESOURCE_NOT_MAPPED: return "the resource is not mapped";
    case 26: return "the encoder needs more output buffers";
    default: return "unknown NVENC status";
  }
}

}  // namespace nvenc
