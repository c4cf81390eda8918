#include "probe.h"

#include "abi/nvenc_abi.h"
#include "driver/driver.h"
#include "js_conversion.h"
#include "js_errors.h"
#include "native_error.h"

namespace nvenc {

LibraryChoice libraryChoiceFrom(const Napi::Object& options) {
  LibraryChoice choice;
  if (options.Has("cudaLibrary") && options.Get("cudaLibrary").IsString())
    choice.cudaLibrary = options.Get("cudaLibrary").As<Napi::String>();
  if (options.Has("nvencLibrary") && options.Get("nvencLibrary").IsString())
    choice.nvencLibrary = options.Get("nvencLibrary").As<Napi::String>();
  return choice;
}

namespace {

Napi::Object describeCuda(Napi::Env env, const Driver& driver) {
  const CudaApi& cuda = driver.cuda();
  Napi::Object out = Napi::Object::New(env);
  out.Set("library", driver.choice().cudaLibrary);
  out.Set("loaded", cuda.ok());
  if (!cuda.ok()) {
    out.Set("error", cuda.error());
    return out;
  }
  out.Set("path", cuda.library().resolvedPath());
  out.Set("software", driver.softwareCuda());
  CUresult init = driver.cudaInitStatus();
  out.Set("initStatus", cuda.errorName(init));
  int version = 0;
  if (cuda.cuDriverGetVersion(&version) == CUDA_SUCCESS) {
    out.Set("driverVersion", std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10));
  }
  Napi::Array devices = Napi::Array::New(env);
  int count = 0;
  if (init == CUDA_SUCCESS && cuda.cuDeviceGetCount(&count) == CUDA_SUCCESS) {
    for (int i = 0; i < count; ++i) {
      CUdevice dev = 0;
      if (cuda.cuDeviceGet(&dev, i) != CUDA_SUCCESS) continue;
      Napi::Object d = Napi::Object::New(env);
      d.Set("index", i);
      d.Set("name", driver.deviceName(i));
      int major = 0, minor = 0;
      cuda.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
      cuda.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
      d.Set("computeCapability", std::to_string(major) + "." + std::to_string(minor));
      size_t bytes = 0;
      if (cuda.cuDeviceTotalMem(&bytes, dev) == CUDA_SUCCESS) d.Set("totalMemory", static_cast<double>(bytes));
      devices.Set(devices.Length(), d);
    }
  } else if (init != CUDA_SUCCESS) {
    out.Set("error", "cuInit failed: " + cuda.errorString(init));
  }
  out.Set("devices", devices);
  return out;
}

Napi::Object describeNvenc(Napi::Env env, const Driver& driver) {
  const NvencApi& nvenc = driver.nvenc();
  Napi::Object out = Napi::Object::New(env);
  out.Set("library", driver.choice().nvencLibrary);
  bool loaded = nvenc.library().ok();
  out.Set("loaded", loaded);
  if (!loaded) {
    out.Set("error", nvenc.error());
    return out;
  }
  out.Set("path", nvenc.library().resolvedPath());
  out.Set("software", nvenc.isSoftware());
  if (nvenc.isSoftware()) out.Set("softwareIdentity", nvenc.softwareIdentity());
  if (nvenc.maxVersionStatus() == NV_ENC_SUCCESS) {
    out.Set("maxApiVersion", nvenc.maxVersion().str());
  } else {
    out.Set("maxApiVersion", env.Null());
    out.Set("error", "NvEncodeAPIGetMaxSupportedVersion failed: " + nvencStatusName(nvenc.maxVersionStatus()));
  }
  if (!nvenc.ok() && !out.Has("error")) out.Set("error", nvenc.error());
  return out;
}

// probe(options?) → { abi, napiVersion, cuda: {...}, nvenc: {...} }. Opens no encode session.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto driver = Driver::get(libraryChoiceFrom(optionsArg(info)));
  Napi::Object out = Napi::Object::New(env);
  out.Set("abi", compiledApiVersion().str());
  out.Set("napiVersion", NAPI_VERSION);
  out.Set("cuda", describeCuda(env, *driver));
  out.Set("nvenc", describeNvenc(env, *driver));
  if (!driver->softwareHoldsName().empty()) out.Set("softwareHoldsDriverName", driver->softwareHoldsName());
  return out;
}

// openSessionProbe({ gpu?, cudaLibrary?, nvencLibrary?, structVersion?: 'valid' | 'invalid' })
// → { status, statusName, apiVersion, device }. Opens and immediately destroys one session with this
// binary's struct versions: against a real driver the answer proves the ABI's layout is accepted
// (a GPU without NVENC answers NV_ENC_ERR_NO_ENCODE_DEVICE; a wrong struct version answers
// NV_ENC_ERR_INVALID_VERSION).
Napi::Value OpenSessionProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = optionsArg(info);
  return withJsErrors(env, [&] {
    auto driver = Driver::get(libraryChoiceFrom(options));
    if (!driver->softwareHoldsName().empty() || !driver->cuda().ok() || driver->cudaInitStatus() != CUDA_SUCCESS ||
        !driver->nvenc().ok())
      driver->requireUsable();
    const CudaApi& cuda = driver->cuda();
    int gpu = options.Has("gpu") ? options.Get("gpu").As<Napi::Number>().Int32Value() : 0;
    bool invalid =
        options.Has("structVersion") && options.Get("structVersion").As<Napi::String>().Utf8Value() == "invalid";
    CUdevice dev = 0;
    CUresult r = cuda.cuDeviceGet(&dev, gpu);
    if (r != CUDA_SUCCESS)
      throw NativeError(cuda.errorName(r), "cuDeviceGet(" + std::to_string(gpu) + ") failed", r, "device");
    CUcontext ctx = nullptr;
    r = cuda.cuDevicePrimaryCtxRetain(&ctx, dev);
    if (r != CUDA_SUCCESS) throw NativeError(cuda.errorName(r), "cuDevicePrimaryCtxRetain failed", r, "device");

    NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS params{};
    params.version =
        invalid ? (NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER ^ (0x5u << 16)) : NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
    params.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
    params.device = ctx;
    params.apiVersion = NVENCAPI_VERSION;
    void* encoder = nullptr;
    driver->nvenc().reassertVersion();
    NVENCSTATUS status = driver->nvenc().functions().nvEncOpenEncodeSessionEx(&params, &encoder);
    // Per NVIDIA's documentation a failed open still returns a handle that must be destroyed.
    if (encoder) driver->nvenc().functions().nvEncDestroyEncoder(encoder);
    cuda.cuDevicePrimaryCtxRelease(dev);

    Napi::Object out = Napi::Object::New(env);
    out.Set("status", static_cast<int>(status));
    out.Set("statusName", nvencStatusName(status));
    out.Set("meaning", nvencStatusMeaning(status));
    out.Set("apiVersion", compiledApiVersion().str());
    out.Set("structVersion", invalid ? "invalid" : "valid");
    out.Set("device", driver->deviceName(gpu));
    return out;
  });
}

// loadDriverAsync(options?) → Promise<void>: loads and initialises a driver pair (dlopen of both
// libraries, cuInit) on a libuv pool thread, so that a later probe() or session open on the JS
// thread finds it cached (Driver::get) instead of blocking the event loop for it. Never rejects
// for a missing or broken driver: probe() reports that.
class LoadDriverWork : public Napi::AsyncWorker {
 public:
  LoadDriverWork(Napi::Env env, LibraryChoice choice)
      : Napi::AsyncWorker(env, "nvenc-load-driver"), choice_(std::move(choice)), deferred_(env) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { Driver::get(choice_); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  LibraryChoice choice_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value LoadDriverAsync(const Napi::CallbackInfo& info) {
  auto* work = new LoadDriverWork(info.Env(), libraryChoiceFrom(optionsArg(info)));
  Napi::Promise promise = work->promise();
  work->Queue();
  return promise;
}

}  // namespace

void RegisterProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", compiledApiVersion().str());
  exports.Set("napiVersion", NAPI_VERSION);
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("openSessionProbe", Napi::Function::New(env, OpenSessionProbe, "openSessionProbe"));
  exports.Set("loadDriverAsync", Napi::Function::New(env, LoadDriverAsync, "loadDriverAsync"));
}

}  // namespace nvenc
