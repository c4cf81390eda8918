// Test-only helpers exported as `_testing` (BINDING.md): CUDA device memory for device-pointer
// tests without a second CUDA user, and the software device's leak counters.
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "encoder_binding.h"
#include "js_conversion.h"
#include "js_errors.h"
#include "probe.h"
#include "session/cuda_context.h"
#include "session/status_check.h"

namespace nvenc {

namespace {

std::shared_ptr<CudaContext> testingContext(const Napi::Object& o) {
  // Primary contexts stay retained for the process, so test allocations outlive any encoder.
  static std::map<std::tuple<std::string, std::string, int>, std::shared_ptr<CudaContext>> contexts;
  LibraryChoice choice = libraryChoiceFrom(o);
  int gpu = has(o, "gpu") ? o.Get("gpu").As<Napi::Number>().Int32Value() : 0;
  auto key = std::make_tuple(choice.cudaLibrary, choice.nvencLibrary, gpu);
  auto it = contexts.find(key);
  if (it != contexts.end()) return it->second;
  auto driver = Driver::get(choice);
  if (!driver->cuda().ok() || driver->cudaInitStatus() != CUDA_SUCCESS)
    driver->requireUsable();  // throws the CUDA reason
  auto ctx = CudaContext::primary(driver, gpu);
  contexts.emplace(key, ctx);
  return ctx;
}

Napi::Value TestingCudaMalloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return withJsErrors(env, [&] {
    auto ctx = testingContext(optionsArg(info));
    size_t bytes = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
    ScopedContext scope(ctx->cuda(), ctx->get());
    CUdeviceptr ptr = 0;
    checkCuda(ctx->cuda(), ctx->cuda().cuMemAlloc(&ptr, bytes), "cuMemAlloc", "allocate");
    return Napi::BigInt::New(env, static_cast<uint64_t>(ptr));
  });
}

Napi::Value TestingCudaFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return withJsErrors(env, [&] {
    auto ctx = testingContext(optionsArg(info));
    CUdeviceptr ptr = bigintValue(info[1], "ptr");
    ScopedContext scope(ctx->cuda(), ctx->get());
    checkCuda(ctx->cuda(), ctx->cuda().cuMemFree(ptr), "cuMemFree", "allocate");
    return env.Undefined();
  });
}

Napi::Value TestingCudaCopyToDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return withJsErrors(env, [&] {
    auto ctx = testingContext(optionsArg(info));
    CUdeviceptr ptr = bigintValue(info[1], "ptr");
    if (!info[2].IsTypedArray()) throw invalidOption("cudaCopyToDevice needs a Buffer/TypedArray", "input");
    Napi::TypedArray t = info[2].As<Napi::TypedArray>();
    const uint8_t* src = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    ScopedContext scope(ctx->cuda(), ctx->get());
    checkCuda(ctx->cuda(), ctx->cuda().cuMemcpyHtoD(ptr, src, t.ByteLength()), "cuMemcpyHtoD", "input");
    return env.Undefined();
  });
}

// { cudaAllocations, cudaBytes, nvencSessions, nvenc{InputBuffers,BitstreamBuffers,Registrations,Mappings} }
// from the software device's extra exports, or null.
Napi::Value TestingSoftwareCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto driver = Driver::get(libraryChoiceFrom(optionsArg(info)));
  using Allocations = int(unsigned long long*, unsigned long long*);
  using Sessions = int();
  Allocations* allocations = nullptr;
  Sessions* sessions = nullptr;
  driver->cuda().library().bind(allocations, "nvsoft_cuda_live_allocations");
  driver->nvenc().library().bind(sessions, "nvsoft_nvenc_live_sessions");
  if (!allocations && !sessions) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  if (allocations) {
    unsigned long long count = 0, bytes = 0;
    allocations(&count, &bytes);
    out.Set("cudaAllocations", static_cast<double>(count));
    out.Set("cudaBytes", static_cast<double>(bytes));
  }
  if (sessions) out.Set("nvencSessions", sessions());
  // Newer software devices also count what open sessions still hold (hardening/ leak checks).
  using Objects = int(int*, int*, int*, int*);
  Objects* objects = nullptr;
  driver->nvenc().library().bind(objects, "nvsoft_nvenc_live_objects");
  if (objects) {
    int inputs = 0, bitstreams = 0, registrations = 0, mappings = 0;
    objects(&inputs, &bitstreams, &registrations, &mappings);
    out.Set("nvencInputBuffers", inputs);
    out.Set("nvencBitstreamBuffers", bitstreams);
    out.Set("nvencRegistrations", registrations);
    out.Set("nvencMappings", mappings);
  }
  return out;
}

}  // namespace

void RegisterTesting(Napi::Env env, Napi::Object exports) {
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("cudaMalloc", Napi::Function::New(env, TestingCudaMalloc, "cudaMalloc"));
  testing.Set("cudaFree", Napi::Function::New(env, TestingCudaFree, "cudaFree"));
  testing.Set("cudaCopyToDevice", Napi::Function::New(env, TestingCudaCopyToDevice, "cudaCopyToDevice"));
  testing.Set("softwareCounters", Napi::Function::New(env, TestingSoftwareCounters, "softwareCounters"));
  exports.Set("_testing", testing);
}

}  // namespace nvenc
