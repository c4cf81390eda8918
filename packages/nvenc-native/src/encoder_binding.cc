// The JS-visible Encoder (Napi::ObjectWrap): runs the EncodeSession on the JS thread
// (encode/flush) or on the encoder's own worker thread (encodeAsync/flushAsync). Conversion lives
// in js_conversion.cc, error conversion in js_errors.h, test-only helpers in testing_binding.cc.
#include "encoder_binding.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

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
    return DefineClass(
        env, "Encoder",
        {InstanceMethod<&Encoder::Encode>("encode"), InstanceMethod<&Encoder::EncodeAsync>("encodeAsync"),
         InstanceMethod<&Encoder::EncodeFrame>("encodeFrame"),
         InstanceMethod<&Encoder::EncodeFrameAsync>("encodeFrameAsync"), InstanceMethod<&Encoder::Flush>("flush"),
         InstanceMethod<&Encoder::FlushAsync>("flushAsync"), InstanceMethod<&Encoder::Reconfigure>("reconfigure"),
         InstanceMethod<&Encoder::GetCapabilities>("getCapabilities"),
         InstanceMethod<&Encoder::SequenceHeaders>("sequenceHeaders"),
         InstanceMethod<&Encoder::AllocateHostFrame>("allocateHostFrame"),
         InstanceMethod<&Encoder::ReleaseDevicePointer>("releaseDevicePointer"),
         InstanceMethod<&Encoder::InvalidateReferences>("invalidateReferences"), InstanceMethod<&Encoder::Info>("info"),
         InstanceMethod<&Encoder::LastFrameTimings>("lastFrameTimings"),
         InstanceMethod<&Encoder::BenchNativeLoop>("benchNativeLoop"), InstanceMethod<&Encoder::Close>("close"),
         InstanceMethod<&Encoder::OpenAsync>("openAsync"), InstanceAccessor<&Encoder::Closed>("closed")});
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
  struct AsyncCall {
    Napi::Promise::Deferred deferred;
    Napi::Reference<Napi::Object> frame;  // keeps the frame's memory alive until the worker is done
    std::vector<Packet> packets;
    std::optional<NativeError> error;
    explicit AsyncCall(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
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
  // ENCODER_CLOSED) and lets the thread-safe function go. Idempotent. A session that openAsync()
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
      if (!envTearingDown_) tsfn_.Release();
      tsfn_ = Napi::ThreadSafeFunction();
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
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                          "nvenc-encoder", 0, 1);
    tsfn_.Unref(env);  // only pending calls keep the process alive, not an idle encoder
    worker_ = std::make_unique<EncoderWorker>();
  }

  // Called on the JS thread when a call is queued / settled: the worker's TSFN holds the event
  // loop open exactly while calls are pending, and the wrapper object stays alive meanwhile.
  void callStarted(Napi::Env env) {
    if (pending_++ == 0) tsfn_.Ref(env);
    Ref();
  }
  void callSettled(Napi::Env env) {
    if (--pending_ == 0 && tsfn_) tsfn_.Unref(env);
    Unref();
  }

  // Runs `work` on the worker thread; its packets (or its NativeError) settle the promise on the
  // JS thread. The worker cannot create JS values, so packets cross in Packet::data.
  Napi::Value submit(Napi::Env env, std::function<std::vector<Packet>()> work, Napi::Object frameHolder) {
    auto* call = new AsyncCall(env);
    Napi::Promise promise = call->deferred.Promise();
    if (!frameHolder.IsEmpty()) call->frame = Napi::Persistent(frameHolder);
    ensureWorker(env);
    callStarted(env);
    Napi::ThreadSafeFunction tsfn = tsfn_;
    worker_->post([this, call, work = std::move(work), tsfn]() mutable {
      try {
        call->packets = work();
      } catch (const NativeError& e) {
        call->error = e;
      } catch (const std::exception& e) {
        call->error = NativeError("NV_ENC_ERR_GENERIC", e.what(), 0, "encode");
      }
      // Settled on the JS thread; `this` is alive there because callStarted() Ref()ed the wrapper.
      tsfn.BlockingCall(call, [this](Napi::Env env, Napi::Function, AsyncCall* done) {
        std::unique_ptr<AsyncCall> owned(done);
        if (owned->error)
          owned->deferred.Reject(owned->error->toJs(env).Value());
        else
          owned->deferred.Resolve(packetsToJs(env, owned->packets));
        owned->frame.Reset();
        callSettled(env);
      });
    });
    return promise;
  }

  Napi::Value EncodeAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      return submitEncode(env, parseEncodeArguments(info));
    });
  }

  // encodeFrameAsync(input, pitch, seq, timestamp, forceKeyframe): encodeAsync() with encodeFrame's
  // scalar arguments; resolves with packet objects like encodeAsync().
  Napi::Value EncodeFrameAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      return submitEncode(env, parseFrameArguments(info));
    });
  }

  Napi::Value submitEncode(Napi::Env env, const EncodeArguments& args) {
    const FrameInput& in = args.frame;
    const FrameMeta& meta = args.meta;  // copied into the worker's closure below
    std::shared_ptr<EncodeSession> session = session_;
    // Only plain values cross to the worker; the frame object itself stays on this thread,
    // referenced by the call until it settles (device frames need no reference: no JS memory).
    const bool device = in.device;
    const uint8_t* data = in.data;
    const size_t bytes = in.bytes, pitch = in.pitch;
    const CUdeviceptr ptr = in.ptr;
    return submit(
        env,
        [session, device, data, bytes, pitch, ptr, meta]() {
          return device ? session->encodeDevice(ptr, pitch, meta) : session->encodeHost(data, bytes, pitch, meta);
        },
        device ? Napi::Object() : in.holder);
  }

  Napi::Value FlushAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsRejection(env, [&] {
      requireOpen();
      std::shared_ptr<EncodeSession> session = session_;
      return submit(
          env, [session]() { return session->flush(); }, Napi::Object());
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
      struct OpenCall {
        Napi::Promise::Deferred deferred;
        std::optional<NativeError> error;
        explicit OpenCall(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
      };
      auto* call = new OpenCall(env);
      Napi::Promise promise = call->deferred.Promise();
      std::shared_ptr<SessionOptions> options(std::move(deferred_));
      ensureWorker(env);
      callStarted(env);
      Napi::ThreadSafeFunction tsfn = tsfn_;
      worker_->post([this, call, options, tsfn]() mutable {
        std::shared_ptr<EncodeSession> session;
        try {
          session = std::make_shared<EncodeSession>(*options);
        } catch (const NativeError& e) {
          call->error = e;
        } catch (const std::exception& e) {
          call->error = NativeError("NV_ENC_ERR_GENERIC", e.what(), 0, "open");
        }
        if (session) {
          // Handed over under the lock: shutdown() on the JS thread closes whatever it finds here.
          std::lock_guard<std::mutex> lock(openedMutex_);
          if (shutDown_)
            session->close();
          else
            opened_ = std::move(session);
        }
        tsfn.BlockingCall(call, [this](Napi::Env env, Napi::Function, OpenCall* done) {
          std::unique_ptr<OpenCall> owned(done);
          std::shared_ptr<EncodeSession> session;
          {
            std::lock_guard<std::mutex> lock(openedMutex_);
            session = std::move(opened_);
          }
          if (owned->error) {
            owned->deferred.Reject(owned->error->toJs(env).Value());
          } else if (closed_ || !session) {
            if (session) session->close();
            owned->deferred.Reject(
                NativeError("ENCODER_CLOSED", "encoder was closed while opening", 0, "open").toJs(env).Value());
          } else {
            session_ = std::move(session);
            owned->deferred.Resolve(env.Undefined());
          }
          callSettled(env);
        });
      });
      return promise;
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
  Napi::ThreadSafeFunction tsfn_;
  size_t pending_ = 0;
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
