#pragma once
// The one place native exceptions become JS errors (node-addon-api's idiom: C++ exceptions are
// turned into JS errors at the boundary, once). Every binding entry point runs its body through
// withJsErrors (throws) or withJsRejection (returns a rejected promise).
#include <napi.h>

#include <utility>

#include "native_error.h"

namespace nvenc {

template <typename Fn>
auto withJsErrors(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const NativeError& e) {
    throw e.toJs(env);
  }
}

// For promise-returning methods: a failure before the work is queued rejects, never throws.
template <typename Fn>
Napi::Value withJsRejection(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const NativeError& e) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(e.toJs(env).Value());
    return deferred.Promise();
  }
}

}  // namespace nvenc
