#include "async_call_queue.h"

#include "js_conversion.h"

namespace nvenc {

AsyncCallQueue::AsyncCallQueue(Napi::Reference<Napi::Object>& wrapper,
                               std::function<void(Napi::Env, AsyncCall&)> settleOpen)
    : wrapper_(wrapper), settleOpen_(std::move(settleOpen)) {}

AsyncCall* AsyncCallQueue::acquire(AsyncCall::Kind kind, EncodeSession* session) {
  AsyncCall* call;
  if (pool_.empty()) {
    call = new AsyncCall();
    call->queue = this;
  } else {
    call = pool_.back().release();
    pool_.pop_back();
  }
  call->kind = kind;
  call->flat = false;
  call->session = session;
  return call;
}

void AsyncCallQueue::recycle(AsyncCall* call) {
  call->clear();
  if (pool_.size() < kPoolSize)
    pool_.emplace_back(call);
  else
    delete call;
}

Napi::Value AsyncCallQueue::submit(Napi::Env env, AsyncCall* call, napi_value holder) {
  napi_value promise;
  if (napi_create_promise(env, &call->deferred, &promise) != napi_ok ||
      (holder && napi_create_reference(env, holder, 1, &call->frame) != napi_ok)) {
    recycle(call);  // a deferred that was created stays unresolved: only its promise is lost
    throw NativeError("NV_ENC_ERR_GENERIC", "could not queue the call", 0, "encode");
  }
  ensureWorker(env);
  callStarted(env);
  worker_->post(call);
  return Napi::Value(env, promise);
}

AsyncCallQueue::~AsyncCallQueue() {
  worker_.reset();  // runs what is queued; afterwards no thread adds to done_
  for (AsyncCall* call : done_) delete call;
  for (AsyncCall* call : settling_) delete call;
}

void AsyncCallQueue::waitIdle() {
  if (worker_) worker_->waitIdle();
}

void AsyncCallQueue::stop(bool envTearingDown) {
  worker_.reset();  // after the join no thread calls the TSFN any more
  if (tsfn_) {
    if (!envTearingDown) napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
    tsfn_ = nullptr;
  }
}

void AsyncCallQueue::ensureWorker(Napi::Env env) {
  if (worker_) return;
  napi_value name;
  napi_status status = napi_create_string_utf8(env, "nvenc-encoder", NAPI_AUTO_LENGTH, &name);
  // No JS function: SettleCompleted settles the promises directly (no JS call per completion).
  if (status == napi_ok)
    status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this,
                                             &AsyncCallQueue::SettleCompleted, &tsfn_);
  if (status != napi_ok) throw NativeError("NV_ENC_ERR_GENERIC", "could not create the completion queue", 0, "encode");
  napi_unref_threadsafe_function(env, tsfn_);  // only pending calls keep the process alive
  done_.reserve(kPoolSize);
  settling_.reserve(kPoolSize);
  worker_ = std::make_unique<EncoderWorker>();
}

// On the JS thread when a call is queued / calls are settled: the thread-safe function holds the
// event loop open exactly while calls are pending, and the wrapper object stays alive meanwhile
// (one Ref for all of them).
void AsyncCallQueue::callStarted(Napi::Env env) {
  if (pending_++ > 0) return;
  napi_ref_threadsafe_function(env, tsfn_);
  wrapper_.Ref();
}

void AsyncCallQueue::callsSettled(Napi::Env env, size_t count) {
  pending_ -= count;
  if (pending_ > 0 || count == 0) return;
  if (tsfn_) napi_unref_threadsafe_function(env, tsfn_);
  wrapper_.Unref();
}

// Completions collect in done_; only the first of a batch wakes the JS thread, whose one callback
// (SettleCompleted) settles all of them: when the worker finishes calls faster than the event
// loop comes round, they share one wake-up and one microtask run.
void AsyncCallQueue::completed(AsyncCall* call) {
  bool first;
  {
    std::lock_guard<std::mutex> lock(doneMutex_);
    first = done_.empty();
    done_.push_back(call);
  }
  // napi_closing only while the environment tears down; the call is then dropped with it.
  if (first) napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
}

// The thread-safe function's callback, on the JS thread inside Node's callback scope (the
// microtasks of every promise settled here run when it closes). env is null when the function is
// torn down with the environment: nothing may touch JS then.
void AsyncCallQueue::SettleCompleted(napi_env env, napi_value, void* context, void*) {
  if (env != nullptr) static_cast<AsyncCallQueue*>(context)->settleCompleted(Napi::Env(env));
}

void AsyncCallQueue::settleCompleted(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(doneMutex_);
    settling_.swap(done_);
  }
  for (AsyncCall* call : settling_) {
    Napi::HandleScope scope(env);
    try {
      if (call->kind == AsyncCall::Kind::Open)
        settleOpen_(env, *call);
      else if (call->error)
        napi_reject_deferred(env, call->deferred, call->error->toJs(env).Value());
      else
        napi_resolve_deferred(env, call->deferred,
                              call->flat ? packetsToFlat(env, call->packets) : packetsToJs(env, call->packets));
    } catch (const Napi::Error& e) {  // the packets could not be made (out of memory)
      napi_reject_deferred(env, call->deferred, e.Value());
    }
    if (call->frame) napi_delete_reference(env, call->frame);
    recycle(call);
  }
  const size_t count = settling_.size();
  settling_.clear();
  callsSettled(env, count);
}

}  // namespace nvenc
