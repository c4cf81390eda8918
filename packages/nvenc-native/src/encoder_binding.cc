// The JS-visible Encoder (Napi::ObjectWrap): runs the EncodeSession on the JS thread
// (encode/flush) or on the encoder's own worker thread (encodeAsync/flushAsync). Conversion lives
// in js_conversion.cc, error conversion in js_errors.h, test-only helpers in testing_binding.cc.
#include "encoder_binding.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "encoder_worker.h"
#include "js_conversion.h"
#include "js_errors.h"
#include "native_error.h"
#include "session/encode_session.h"

namespace nvenc {

namespace {

class Encoder : public Napi::ObjectWrap<Encoder> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Encoder",
                       {InstanceMethod<&Encoder::Encode>("encode"),
                        InstanceMethod<&Encoder::EncodeAsync>("encodeAsync"),
                        InstanceMethod<&Encoder::EncodeFrame>("encodeFrame"),
                        InstanceMethod<&Encoder::EncodeFrameAsync>("encodeFrameAsync"),
                        InstanceMethod<&Encoder::Flush>("flush"),
                        InstanceMethod<&Encoder::FlushAsync>("flushAsync"),
                        InstanceMethod<&Encoder::Reconfigure>("reconfigure"),
                        InstanceMethod<&Encoder::ReconfigureAsync>("reconfigureAsync"),
                        InstanceMethod<&Encoder::CloseAsync>("closeAsync"),
                        InstanceMethod<&Encoder::GetCapabilities>("getCapabilities"),
                        InstanceMethod<&Encoder::SequenceHeaders>("sequenceHeaders"),
                        InstanceMethod<&Encoder::AllocateHostFrame>("allocateHostFrame"),
                        InstanceMethod<&Encoder::ReleaseDevicePointer>("releaseDevicePointer"),
                        InstanceMethod<&Encoder::InvalidateReferences>("invalidateReferences"),
                        InstanceMethod<&Encoder::Info>("info"),
                        InstanceMethod<&Encoder::LastFrameTimings>("lastFrameTimings"),
                        InstanceMethod<&Encoder::BenchNativeLoop>("benchNativeLoop"),
                        InstanceMethod<&Encoder::BenchAsyncFloor>("benchAsyncFloor"),
                        InstanceMethod<&Encoder::Close>("close"),
                        InstanceMethod<&Encoder::OpenAsync>("openAsync"),
                        InstanceAccessor<&Encoder::Closed>("closed")});
  }

  // new Encoder(options) opens the session here; new Encoder(options, true) only checks the options
  // and leaves the opening to openAsync() (on the worker thread).
  explicit Encoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Encoder>(info), env_(info.Env()) {
    withJsErrors(info.Env(), [&] {
      if (info.Length() < 1 || !info[0].IsObject()) throw invalidOption("Encoder needs an options object");
      SessionOptions options = parseSessionOptions(info[0].As<Napi::Object>());
      if (info.Length() > 1 && info[1].ToBoolean())
        deferred_ = std::make_unique<SessionOptions>(std::move(options));
      else
        session_ = std::make_shared<EncodeSession>(options);
    });
    // Sessions must go before the process tears CUDA down at exit, even if JS never closed them.
    napi_add_env_cleanup_hook(env_, &Encoder::OnEnvCleanup, this);
    hookRegistered_ = true;
  }

  ~Encoder() override {
    shutdown();
    if (hookRegistered_) napi_remove_env_cleanup_hook(env_, &Encoder::OnEnvCleanup, this);
  }

 private:
  // One openAsync()/encodeAsync()/encodeFrameAsync()/flushAsync() (or the benchmark floor) from
  // submission to settlement: filled on the JS thread, run on the worker, settled on the JS
  // thread. Plain values only cross to the worker (it cannot touch JS). Pooled, so a call in
  // steady state allocates nothing but its packets and its promise.
  struct AsyncCall final : EncoderWorker::Job {
    enum class Kind { Open, Encode, Flush, Reconfigure, Close, Floor };
    Encoder* owner = nullptr;  // alive until settled: callStarted() Ref()s the wrapper
    Kind kind = Kind::Encode;
    EncodeSession* session = nullptr;         // Encode, Flush: set on the JS thread, open until settled
    std::unique_ptr<SessionOptions> options;  // Open
    bool flat = false;                        // settle with packetsToFlat (encodeFrameAsync), not packet objects
    bool device = false;
    const uint8_t* data = nullptr;
    size_t bytes = 0, pitch = 0;
    CUdeviceptr ptr = 0;
    FrameMeta meta;
    ReconfigureRequest reconfigure;  // Reconfigure
    double workUs = 0;               // Floor: the busy-wait standing in for the session's work
    napi_deferred deferred = nullptr;
    napi_ref frame = nullptr;  // host input: keeps the pixels alive until settled
    std::vector<Packet> packets;
    std::optional<NativeError> error;

    // On the worker thread.
    void run() noexcept override {
      try {
        switch (kind) {
          case Kind::Open: owner->openOnWorker(*options); break;
          case Kind::Encode:
            packets = device ? session->encodeDevice(ptr, pitch, meta) : session->encodeHost(data, bytes, pitch, meta);
            break;
          case Kind::Flush: packets = session->flush(); break;
          case Kind::Reconfigure: session->reconfigure(reconfigure); break;
          case Kind::Close: session->close(); break;
          case Kind::Floor: {
            const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(workUs);
            while (std::chrono::steady_clock::now() < until) {
            }
            break;
          }
        }
      } catch (const NativeError& e) {
        error = e;
      } catch (const std::exception& e) {
        error = NativeError("NV_ENC_ERR_GENERIC", e.what(), 0,
                            kind == Kind::Open          ? "open"
                            : kind == Kind::Reconfigure ? "reconfigure"
                                                        : "encode");
      }
      owner->completed(this);  // the JS thread may reuse this call from here on
    }
  };

  static void OnEnvCleanup(void* arg) {
    auto* self = static_cast<Encoder*>(arg);
    self->hookRegistered_ = false;
    // Node closes thread-safe functions in its own cleanup hooks (which may already have run):
    // at teardown the TSFN is left alone, only the session and the worker are stopped.
    self->envTearingDown_ = true;
    self->shutdown();
  }

  // Closes the session (waiting for a running encode), stops the worker (queued calls fail with
  // ENCODER_CLOSED) and lets the thread-safe function go: it still delivers the completions
  // queued before, so every pending promise settles. Idempotent. A session that openAsync()
  // finished opening but has not handed to the JS thread yet is closed here too.
  void shutdown() {
    closed_ = true;
    if (session_) session_->close();
    worker_.reset();  // after the join no thread calls the TSFN any more
    {
      std::lock_guard<std::mutex> lock(openedMutex_);
      shutDown_ = true;
      if (opened_) opened_->close();
      opened_.reset();
    }
    if (tsfn_) {
      if (!envTearingDown_) napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
      tsfn_ = nullptr;
    }
  }

  void requireOpen() const {
    if (closed_) throw NativeError("ENCODER_CLOSED", "encoder is closed", 0, "encode");
    if (!session_)
      throw NativeError("NV_ENC_ERR_ENCODER_NOT_INITIALIZED", "the encoder is still opening (await openAsync())",
                        NV_ENC_ERR_ENCODER_NOT_INITIALIZED, "open");
  }

  // Synchronous calls wait for queued async calls, so all calls run in the order they were made.
  void waitForAsync() {
    if (worker_) worker_->waitIdle();
  }

  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      auto [in, meta] = parseEncodeArguments(info);
      waitForAsync();
      JsPacketMemory memory(env);
      std::vector<Packet> packets = in.device ? session_->encodeDevice(in.ptr, in.pitch, meta, &memory)
                                              : session_->encodeHost(in.data, in.bytes, in.pitch, meta, &memory);
      return packetsToJs(env, packets, &memory);
    });
  }

  std::vector<Packet> run(const EncodeArguments& args, JsPacketMemory* memory) {
    const FrameInput& in = args.frame;
    return in.device ? session_->encodeDevice(in.ptr, in.pitch, args.meta, memory)
                     : session_->encodeHost(in.data, in.bytes, in.pitch, args.meta, memory);
  }

  // encodeFrame(input, pitch, seq, timestamp, forceKeyframe, results): encode() for callers that
  // validated the frame already (@nvenc-ts/nvenc): scalars in, packet fields out into `results`
  // (a Float64Array), the packets' Buffers as the value (see packetsToResults).
  Napi::Value EncodeFrame(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
        throw invalidOption("encodeFrame needs a Float64Array for the packet fields", "encode");
      Napi::Float64Array results = info[5].As<Napi::Float64Array>();
      EncodeArguments args = parseFrameArguments(info);
      waitForAsync();
      JsPacketMemory memory(env);
      std::vector<Packet> packets = run(args, &memory);
      return packetsToResults(env, packets, &memory, results);
    });
  }

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      waitForAsync();
      JsPacketMemory memory(env);
      std::vector<Packet> packets = session_->flush(&memory);
      return packetsToJs(env, packets, &memory);
    });
  }

  void ensureWorker(Napi::Env env) {
    if (worker_) return;
    napi_value name;
    napi_status status = napi_create_string_utf8(env, "nvenc-encoder", NAPI_AUTO_LENGTH, &name);
    // No JS function: SettleCompleted settles the promises directly (no JS call per completion).
    if (status == napi_ok)
      status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this,
                                               &Encoder::SettleCompleted, &tsfn_);
    if (status != napi_ok)
      throw NativeError("NV_ENC_ERR_GENERIC", "could not create the completion queue", 0, "encode");
    napi_unref_threadsafe_function(env, tsfn_);  // only pending calls keep the process alive
    done_.reserve(kPoolSize);
    settling_.reserve(kPoolSize);
    worker_ = std::make_unique<EncoderWorker>();
  }

  // Called on the JS thread when a call is queued / calls are settled: the thread-safe function
  // holds the event loop open exactly while calls are pending, and the wrapper object stays alive
  // meanwhile (one Ref for all of them).
  void callStarted(Napi::Env env) {
    if (pending_++ > 0) return;
    napi_ref_threadsafe_function(env, tsfn_);
    Ref();
  }
  void callsSettled(Napi::Env env, size_t count) {
    pending_ -= count;
    if (pending_ > 0 || count == 0) return;
    if (tsfn_) napi_unref_threadsafe_function(env, tsfn_);
    Unref();
  }

  static constexpr size_t kPoolSize = 64;  // calls kept for reuse: more in flight allocate

  AsyncCall* acquireCall(AsyncCall::Kind kind) {
    AsyncCall* call;
    if (pool_.empty()) {
      call = new AsyncCall();
      call->owner = this;
    } else {
      call = pool_.back().release();
      pool_.pop_back();
    }
    call->kind = kind;
    call->flat = false;
    call->session = session_.get();
    return call;
  }

  void recycle(AsyncCall* call) {
    call->packets.clear();
    call->error.reset();
    call->deferred = nullptr;
    call->frame = nullptr;
    call->options.reset();
    call->meta = FrameMeta();  // a pooled call keeps no SEI payloads or QP maps alive
    if (pool_.size() < kPoolSize)
      pool_.emplace_back(call);
    else
      delete call;
  }

  // Queues `call` on the worker; its packets (or its NativeError) settle the returned promise on
  // the JS thread. `holder`: host pixels referenced until then (device memory is not JS's).
  Napi::Value submit(Napi::Env env, AsyncCall* call, napi_value holder = nullptr) {
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

  // On the worker thread. Completions collect in done_; only the first of a batch wakes the JS
  // thread, whose one callback (SettleCompleted) settles all of them: when the worker finishes
  // calls faster than the event loop comes round, they share one wake-up and one microtask run.
  void completed(AsyncCall* call) {
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
  // microtasks of every promise settled here run when it closes). env is null when the function
  // is torn down with the environment: nothing may touch JS then.
  static void SettleCompleted(napi_env env, napi_value, void* context, void*) {
    if (env != nullptr) static_cast<Encoder*>(context)->settleCompleted(Napi::Env(env));
  }

  void settleCompleted(Napi::Env env) {
    {
      std::lock_guard<std::mutex> lock(doneMutex_);
      settling_.swap(done_);
    }
    for (AsyncCall* call : settling_) {
      Napi::HandleScope scope(env);
      try {
        if (call->kind == AsyncCall::Kind::Open)
          settleOpen(env, call);
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

  Napi::Value submitEncode(Napi::Env env, const EncodeArguments& args, bool flat) {
    const FrameInput& in = args.frame;
    AsyncCall* call = acquireCall(AsyncCall::Kind::Encode);
    call->flat = flat;
    call->device = in.device;
    call->data = in.data;
    call->bytes = in.bytes;
    call->pitch = in.pitch;
    call->ptr = in.ptr;
    call->meta = args.meta;
    return submit(env, call, in.device ? nullptr : static_cast<napi_value>(in.holder));
  }

  Napi::Value EncodeAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      return submitEncode(env, parseEncodeArguments(info), false);
    });
  }

  // encodeFrameAsync(input, pitch, seq, timestamp, forceKeyframe): encodeAsync() with encodeFrame's
  // scalar arguments; resolves with packetsToFlat's array.
  Napi::Value EncodeFrameAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      return submitEncode(env, parseFrameArguments(info), true);
    });
  }

  Napi::Value FlushAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      return submit(env, acquireCall(AsyncCall::Kind::Flush));
    });
  }

  // reconfigureAsync(o): reconfigure() in order with the async calls, on the worker thread (an
  // engine that restarts for the change — the software device's libx265/SVT-AV1 — does so off
  // the event loop). Resolves with an empty array (packets a resize drains come with the next call).
  Napi::Value ReconfigureAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      ReconfigureRequest request = parseReconfigure(info.Length() > 0 ? info[0] : env.Undefined());
      AsyncCall* call = acquireCall(AsyncCall::Kind::Reconfigure);
      call->reconfigure = request;
      return submit(env, call);
    });
  }

  Napi::Value Reconfigure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      ReconfigureRequest request = parseReconfigure(info.Length() > 0 ? info[0] : env.Undefined());
      waitForAsync();
      session_->reconfigure(request);
      return env.Undefined();
    });
  }

  Napi::Value GetCapabilities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      std::string codec = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
      Codec parsed = parseCodec(codec);
      waitForAsync();
      Napi::Object out = Napi::Object::New(env);
      for (const auto& [name, value] : session_->capabilities(parsed)) out.Set(name, value);
      return out;
    });
  }

  Napi::Value SequenceHeaders(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      waitForAsync();
      std::vector<uint8_t> bytes = session_->sequenceHeaders();
      return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
    });
  }

  Napi::Value AllocateHostFrame(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      std::unique_ptr<PinnedHostBuffer> pinned = session_->allocateHostFrame();
      PinnedHostBuffer* raw = pinned.release();
      return Napi::Buffer<uint8_t>::New(
          env, static_cast<uint8_t*>(raw->data()), raw->size(),
          [](Napi::Env, uint8_t*, PinnedHostBuffer* p) { delete p; }, raw);
    });
  }

  Napi::Value ReleaseDevicePointer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&]() -> Napi::Value {
      if (closed_ || !session_) return Napi::Boolean::New(env, false);
      if (info.Length() < 1) throw invalidOption("releaseDevicePointer needs a bigint", "input");
      CUdeviceptr ptr = bigintValue(info[0], "ptr");
      waitForAsync();
      return Napi::Boolean::New(env, session_->releaseDevicePointer(ptr));
    });
  }

  Napi::Value InvalidateReferences(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&]() -> Napi::Value {
      requireOpen();
      if (info.Length() < 1 || !info[0].IsArray())
        throw invalidOption("invalidateReferences needs an array of timestamps", "encode");
      Napi::Array list = info[0].As<Napi::Array>();
      std::vector<double> timestamps;
      for (uint32_t i = 0; i < list.Length(); ++i) {
        Napi::Value v = list.Get(i);
        if (!v.IsNumber()) throw invalidOption("invalidateReferences: timestamps must be numbers", "encode");
        timestamps.push_back(v.As<Napi::Number>().DoubleValue());
      }
      // Ordered after every queued encodeAsync(), so the timestamps refer to pictures already sent.
      waitForAsync();
      return Napi::Number::New(env, session_->invalidateReferences(timestamps));
    });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      SessionInfo i = session_->info();
      Napi::Object out = Napi::Object::New(env);
      out.Set("abi", compiledApiVersion().str());
      out.Set("device", i.device);
      out.Set("software", i.software);
      out.Set("width", i.width);
      out.Set("height", i.height);
      out.Set("codec", codecName(i.codec));
      out.Set("inputFormat", inputFormatName(i.inputFormat));
      out.Set("pitch", static_cast<double>(i.pitch));
      out.Set("frameBytes", static_cast<double>(i.frameBytes));
      out.Set("registeredResources", static_cast<double>(i.registeredResources));
      out.Set("hostUpload", hostUploadName(i.hostUpload));
      return out;
    });
  }

  // { uploadUs, submitUs, waitUs } of the last encode call that ran (sync or async).
  Napi::Value LastFrameTimings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      EncodeSession::StageTimings t = session_->lastTimings();
      Napi::Object out = Napi::Object::New(env);
      out.Set("uploadUs", t.uploadUs);
      out.Set("submitUs", t.submitUs);
      out.Set("waitUs", t.waitUs);
      return out;
    });
  }

  // Benchmark support (nvenc-bench's overhead measurement), not API: encodes `frame` `count`
  // times from C++ on this encoder's session, the way Encode() does minus the JS conversions, and
  // returns each call's time in µs. Against encode() of the same frame, the difference is what
  // the JS side costs per frame.
  Napi::Value BenchNativeLoop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      FrameInput in = parseFrame(info[0]);
      const uint32_t count = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 0;
      waitForAsync();
      Napi::Float64Array out = Napi::Float64Array::New(env, count);
      FrameMeta meta;
      for (uint32_t i = 0; i < count; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        {
          // Packets land in JS-owned Buffers exactly as in Encode(); freed inside the timing.
          Napi::HandleScope scope(env);
          JsPacketMemory memory(env);
          std::vector<Packet> packets = in.device ? session_->encodeDevice(in.ptr, in.pitch, meta, &memory)
                                                  : session_->encodeHost(in.data, in.bytes, in.pitch, meta, &memory);
        }
        out[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      }
      return out;
    });
  }

  // Benchmark support, not API: benchAsyncFloor(workUs) makes encodeFrameAsync()'s hand-offs with
  // no encode: the call is queued to this encoder's worker, which busy-waits workUs (standing in
  // for the session's work, 0 = none) and settles it through the same completion path with no
  // packets. Its round trip minus workUs is what the two thread hops cost by themselves.
  Napi::Value BenchAsyncFloor(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      AsyncCall* call = acquireCall(AsyncCall::Kind::Floor);
      call->flat = true;
      call->workUs = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
      return submit(env, call);
    });
  }

  // openAsync(): opens the session of new Encoder(options, true) on the worker thread (driver and
  // CUDA context setup, nvEncOpenEncodeSessionEx, capability checks, nvEncInitializeEncoder,
  // buffers), so the event loop keeps running. Resolves with undefined once the encoder is usable;
  // rejects with the same errors as the synchronous constructor, or ENCODER_CLOSED when close()
  // came first. The wrapper stays referenced (not collected) until it settles.
  Napi::Value OpenAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      if (closed_) throw NativeError("ENCODER_CLOSED", "encoder is closed", 0, "open");
      if (!deferred_)
        throw invalidOption("openAsync() needs an encoder made with new Encoder(options, true), once", "open");
      AsyncCall* call = acquireCall(AsyncCall::Kind::Open);
      call->options = std::move(deferred_);
      return submit(env, call);
    });
  }

  // On the worker thread: the session is handed over under the lock, so shutdown() on the JS
  // thread closes whatever it finds there.
  void openOnWorker(const SessionOptions& options) {
    auto session = std::make_shared<EncodeSession>(options);
    std::lock_guard<std::mutex> lock(openedMutex_);
    if (shutDown_)
      session->close();
    else
      opened_ = std::move(session);
  }

  void settleOpen(Napi::Env env, AsyncCall* call) {
    std::shared_ptr<EncodeSession> session;
    {
      std::lock_guard<std::mutex> lock(openedMutex_);
      session = std::move(opened_);
    }
    if (call->error) {
      napi_reject_deferred(env, call->deferred, call->error->toJs(env).Value());
    } else if (closed_ || !session) {
      if (session) session->close();
      napi_reject_deferred(
          env, call->deferred,
          NativeError("ENCODER_CLOSED", "encoder was closed while opening", 0, "open").toJs(env).Value());
    } else {
      session_ = std::move(session);
      napi_resolve_deferred(env, call->deferred, env.Undefined());
    }
  }

  // closeAsync(): ends the session on the worker thread after the calls queued before it (NVENC's
  // nvEncDestroyEncoder and the buffers' release, an engine's teardown), so the event loop keeps
  // running; later calls fail with ENCODER_CLOSED at once. close() afterwards stops the idle
  // worker. Resolves with an empty array; an encoder that is closed or still opening closes at once.
  Napi::Value CloseAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&]() -> Napi::Value {
      if (closed_ || !session_) {
        shutdown();
        auto done = Napi::Promise::Deferred::New(env);
        done.Resolve(Napi::Array::New(env));
        return done.Promise();
      }
      AsyncCall* call = acquireCall(AsyncCall::Kind::Close);
      closed_ = true;
      return submit(env, call);
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

  napi_env env_;
  std::shared_ptr<EncodeSession> session_;    // touched on the JS thread only
  std::unique_ptr<SessionOptions> deferred_;  // new Encoder(options, true) until openAsync()
  std::mutex openedMutex_;                    // guards opened_ and shutDown_ (worker ↔ JS thread)
  std::shared_ptr<EncodeSession> opened_;     // opened by the worker, not yet taken by the JS thread
  bool shutDown_ = false;
  std::unique_ptr<EncoderWorker> worker_;
  napi_threadsafe_function tsfn_ = nullptr;
  size_t pending_ = 0;                            // async calls queued and not yet settled
  std::vector<std::unique_ptr<AsyncCall>> pool_;  // JS thread only
  std::mutex doneMutex_;
  std::vector<AsyncCall*> done_;      // finished on the worker, to settle (doneMutex_)
  std::vector<AsyncCall*> settling_;  // JS thread: the batch being settled
  bool closed_ = false;
  bool hookRegistered_ = false;
  bool envTearingDown_ = false;
};

}  // namespace

void RegisterEncoder(Napi::Env env, Napi::Object exports) {
  exports.Set("Encoder", Encoder::Define(env));
  RegisterTesting(env, exports);
}

}  // namespace nvenc
