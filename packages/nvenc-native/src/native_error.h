#pragma once
// The one exception type native code throws. It carries a stable `code` that the TypeScript layer
// maps to typed error classes; binding code converts it to a JS Error at the boundary.
#include <napi.h>

#include <stdexcept>
#include <string>

namespace nvenc {

class NativeError : public std::runtime_error {
 public:
  // code: an NVENC status name (NV_ENC_ERR_*), a CUDA error name (CUDA_ERROR_*) or one of the
  // addon's own: DRIVER_NOT_FOUND, NVENC_LIBRARY_NOT_FOUND, ABI_UNSUPPORTED, INVALID_FRAME,
  // INVALID_OPTION, CAPABILITY_UNSUPPORTED, ENCODER_CLOSED.
  // option: for INVALID_OPTION, the option's name as the caller spelled it (e.g. "qp.b").
  NativeError(std::string code, const std::string& message, int status = 0, std::string phase = {},
              std::string option = {})
      : std::runtime_error(message),
        code_(std::move(code)),
        status_(status),
        phase_(std::move(phase)),
        option_(std::move(option)) {}

  const std::string& code() const { return code_; }
  int status() const { return status_; }
  const std::string& phase() const { return phase_; }
  const std::string& option() const { return option_; }
  // CAPABILITY_UNSUPPORTED: the capability (getCapabilities() name) that said no.
  const std::string& capability() const { return capability_; }
  NativeError& withCapability(std::string name) {
    capability_ = std::move(name);
    return *this;
  }

  Napi::Error toJs(Napi::Env env) const {
    Napi::Error e = Napi::Error::New(env, what());
    e.Set("code", code_);
    if (status_ != 0) e.Set("status", static_cast<double>(status_));
    if (!phase_.empty()) e.Set("phase", phase_);
    if (!option_.empty()) e.Set("option", option_);
    if (!capability_.empty()) e.Set("capability", capability_);
    return e;
  }

 private:
  std::string code_;
  int status_;
  std::string phase_;
  std::string option_;
  std::string capability_;
};

}  // namespace nvenc
