#pragma once
// An Encoder's async calls from submission to settlement: the worker thread that runs them in
// order, the recycled AsyncCall records, and the one thread-safe function through which finished
// calls come back to the JS thread in batches. Only pending calls keep the event loop (and the
// encoder's JS object) alive.
#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "async_call.h"
#include "encoder_worker.h"

namespace nvenc {

class AsyncCallQueue {
 public:
  // `wrapper`: the JS object that stays referenced while calls are pending. `settleOpen`: settles
  // an Open call (the encoder takes the opened session); every other call settles here.
  AsyncCallQueue(Napi::Reference<Napi::Object>& wrapper, std::function<void(Napi::Env, AsyncCall&)> settleOpen);
  // Frees the calls the environment ended before settling (a worker thread terminated with calls
  // in flight): their promises went with the environment, their packets would leak.
  ~AsyncCallQueue();
  AsyncCallQueue(const AsyncCallQueue&) = delete;
  AsyncCallQueue& operator=(const AsyncCallQueue&) = delete;

  // A cleared call of `kind` on `session`, recycled when one is free (JS thread).
  AsyncCall* acquire(AsyncCall::Kind kind, EncodeSession* session);
  // Queues `call` on the worker; its packets (or its NativeError) settle the returned promise on
  // the JS thread. `holder`: host pixels referenced until then (device memory is not JS's).
  Napi::Value submit(Napi::Env env, AsyncCall* call, napi_value holder = nullptr);
  // Blocks until every queued call has run: synchronous calls wait, so all run in call order.
  void waitIdle();
  // Stops the worker (queued calls still run, on a closed session: ENCODER_CLOSED) and lets the
  // thread-safe function go: it still delivers the completions queued before, so every pending
  // promise settles. At environment teardown Node closes the function itself (its cleanup hooks
  // may already have run), so it is left alone. Idempotent.
  void stop(bool envTearingDown);

  // On the worker thread, from AsyncCall::run(): `call` is finished.
  void completed(AsyncCall* call);

 private:
  static constexpr size_t kPoolSize = 64;  // calls kept for reuse: more in flight allocate

  void ensureWorker(Napi::Env env);
  void callStarted(Napi::Env env);
  void callsSettled(Napi::Env env, size_t count);
  void recycle(AsyncCall* call);
  static void SettleCompleted(napi_env env, napi_value, void* context, void*);
  void settleCompleted(Napi::Env env);

  Napi::Reference<Napi::Object>& wrapper_;
  std::function<void(Napi::Env, AsyncCall&)> settleOpen_;
  std::unique_ptr<EncoderWorker> worker_;  // started on first use
  napi_threadsafe_function tsfn_ = nullptr;
  size_t pending_ = 0;                            // calls queued and not yet settled (JS thread)
  std::vector<std::unique_ptr<AsyncCall>> pool_;  // JS thread only
  std::mutex doneMutex_;
  std::vector<AsyncCall*> done_;      // finished on the worker, to settle (doneMutex_)
  std::vector<AsyncCall*> settling_;  // JS thread: the batch being settled
};

}  // namespace nvenc
