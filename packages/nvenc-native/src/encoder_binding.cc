// The JS-visible Encoder (Napi::ObjectWrap): runs the EncodeSession on the JS thread
// (encode/flush) or, through its AsyncCallQueue, on the encoder's own worker thread
// (openAsync/encodeAsync/flushAsync/reconfigureAsync). Conversion lives in js_conversion.cc, error conversion in
// js_errors.h, the async call path in async_call_queue.cc, test-only helpers in testing_binding.cc.
#include "encoder_binding.h"

#include <chrono>
#include <memory>
#include <vector>

#include "async_call_queue.h"
#include "js_conversion.h"
#include "js_errors.h"
#include "native_error.h"
#include "session/encode_session.h"
#include "session_hand_over.h"

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
  explicit Encoder(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Encoder>(info),
        env_(info.Env()),
        calls_(*this, [this](Napi::Env env, AsyncCall& call) { settleOpen(env, call); }) {
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
  static void OnEnvCleanup(void* arg) {
    auto* self = static_cast<Encoder*>(arg);
    self->hookRegistered_ = false;
    // Node closes thread-safe functions in its own cleanup hooks (which may already have run):
    // at teardown the TSFN is left alone, only the session and the worker are stopped.
    self->envTearingDown_ = true;
    self->shutdown();
  }

  // Closes the session (waiting for a running encode) and stops the async calls (every pending
  // promise still settles). Idempotent. A session that openAsync() finished opening but has not
  // handed to the JS thread yet is closed here too.
  void shutdown() {
    closed_ = true;
    if (session_) session_->close();
    calls_.stop(envTearingDown_);
    handOver_.shutDown();
  }

  void requireOpen() const {
    if (closed_) throw NativeError("ENCODER_CLOSED", "encoder is closed", 0, "encode");
    if (!session_)
      throw NativeError("NV_ENC_ERR_ENCODER_NOT_INITIALIZED", "the encoder is still opening (await openAsync())",
                        NV_ENC_ERR_ENCODER_NOT_INITIALIZED, "open");
  }

  // Synchronous calls wait for queued async calls, so all calls run in the order they were made.
  void waitForAsync() { calls_.waitIdle(); }

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

  Napi::Value submitEncode(Napi::Env env, const EncodeArguments& args, bool flat) {
    const FrameInput& in = args.frame;
    AsyncCall* call = calls_.acquire(AsyncCall::Kind::Encode, session_.get());
    call->flat = flat;
    call->device = in.device;
    call->data = in.data;
    call->bytes = in.bytes;
    call->pitch = in.pitch;
    call->ptr = in.ptr;
    call->meta = args.meta;
    return calls_.submit(env, call, in.device ? nullptr : static_cast<napi_value>(in.holder));
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
      return calls_.submit(env, calls_.acquire(AsyncCall::Kind::Flush, session_.get()));
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
      AsyncCall* call = calls_.acquire(AsyncCall::Kind::Reconfigure, session_.get());
      call->reconfigure = request;
      return calls_.submit(env, call);
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
      // Sized by the session's current layout: a queued reconfigureAsync({ width, height }) first.
      waitForAsync();
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
      std::vector<double> timestamps = parseTimestamps(info.Length() > 0 ? info[0] : env.Undefined());
      // Ordered after every queued encodeAsync(), so the timestamps refer to pictures already sent.
      waitForAsync();
      return Napi::Number::New(env, session_->invalidateReferences(timestamps));
    });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return withJsErrors(env, [&] {
      requireOpen();
      return sessionInfoToJs(env, session_->info());
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
      AsyncCall* call = calls_.acquire(AsyncCall::Kind::Floor, session_.get());
      call->flat = true;
      call->workUs = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
      return calls_.submit(env, call);
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
      AsyncCall* call = calls_.acquire(AsyncCall::Kind::Open, nullptr);
      call->handOver = &handOver_;
      call->options = std::move(deferred_);
      return calls_.submit(env, call);
    });
  }

  // On the JS thread, when openAsync()'s call settles: the encoder takes the opened session, unless
  // close() came first.
  void settleOpen(Napi::Env env, AsyncCall& call) {
    std::shared_ptr<EncodeSession> session = handOver_.take();
    if (call.error) {
      napi_reject_deferred(env, call.deferred, call.error->toJs(env).Value());
    } else if (closed_ || !session) {
      if (session) session->close();
      napi_reject_deferred(
          env, call.deferred,
          NativeError("ENCODER_CLOSED", "encoder was closed while opening", 0, "open").toJs(env).Value());
    } else {
      session_ = std::move(session);
      napi_resolve_deferred(env, call.deferred, env.Undefined());
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
      AsyncCall* call = calls_.acquire(AsyncCall::Kind::Close, session_.get());
      closed_ = true;
      return calls_.submit(env, call);
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
  SessionHandOver handOver_;                  // openAsync(): worker → JS thread
  AsyncCallQueue calls_;
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
