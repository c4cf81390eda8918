// The JS-visible Encoder: parses options and frames, runs the EncodeSession on the JS thread
// (encode/flush) or on the encoder's own worker thread (encodeAsync/flushAsync), and turns
// NativeErrors into JS errors at this boundary only.
#include "encoder_binding.h"

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "encoder_worker.h"
#include "native_error.h"
#include "probe.h"
#include "session/encode_session.h"
#include "session/status_check.h"

namespace nvenc {

namespace {

// ---- option parsing ---------------------------------------------------------------------------

NativeError invalidOption(const std::string& message) { return NativeError("INVALID_OPTION", message, 0, "configure"); }

bool has(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull(); }

uint32_t uintOption(const Napi::Object& o, const char* key, std::optional<uint32_t> fallback, uint32_t min = 0,
                    double max = 4294967295.0) {
  if (!has(o, key)) {
    if (fallback) return *fallback;
    throw invalidOption(std::string(key) + " is required");
  }
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw invalidOption(std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    throw invalidOption(std::string(key) + " must be an integer in [" + std::to_string(min) + ", " +
                        std::to_string(static_cast<uint64_t>(max)) + "], got " + v.ToString().Utf8Value());
  return static_cast<uint32_t>(d);
}

std::string stringOption(const Napi::Object& o, const char* key, const char* fallback) {
  if (!has(o, key)) {
    if (fallback) return fallback;
    throw invalidOption(std::string(key) + " is required");
  }
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw invalidOption(std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool boolOption(const Napi::Object& o, const char* key, bool fallback) {
  if (!has(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throw invalidOption(std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

uint64_t bigintValue(const Napi::Value& v, const char* what) {
  if (v.IsBigInt()) {
    bool lossless = true;
    uint64_t u = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw NativeError("INVALID_OPTION", std::string(what) + " does not fit in 64 bits", 0, "input");
    return u;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 0 && d == std::floor(d) && d <= 9007199254740991.0) return static_cast<uint64_t>(d);
  }
  throw NativeError("INVALID_OPTION", std::string(what) + " must be a bigint", 0, "input");
}

template <typename T>
T pick(const std::string& value, const char* key, std::initializer_list<std::pair<const char*, T>> choices) {
  std::string list;
  for (const auto& [name, v] : choices) {
    if (value == name) return v;
    list += (list.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  throw invalidOption(std::string(key) + " must be one of " + list + ", got '" + value + "'");
}

Codec parseCodec(const std::string& s) {
  return pick<Codec>(s, "codec", {{"h264", Codec::H264}, {"hevc", Codec::Hevc}, {"av1", Codec::Av1}});
}

SessionOptions parseSessionOptions(const Napi::Object& o) {
  SessionOptions s;
  s.libraries = libraryChoiceFrom(o);
  s.gpu = static_cast<int>(uintOption(o, "gpu", 0u));
  if (has(o, "cudaContext")) s.context = reinterpret_cast<CUcontext>(bigintValue(o.Get("cudaContext"), "cudaContext"));
  s.width = uintOption(o, "width", std::nullopt, 1, 16384);
  s.height = uintOption(o, "height", std::nullopt, 1, 16384);
  s.codec = parseCodec(stringOption(o, "codec", "h264"));
  std::string preset = stringOption(o, "preset", "p4");
  s.preset = pick<int>(preset, "preset", {{"p1", 1}, {"p2", 2}, {"p3", 3}, {"p4", 4}, {"p5", 5}, {"p6", 6}, {"p7", 7}});
  s.tuning = pick<NV_ENC_TUNING_INFO>(stringOption(o, "tuning", "ll"), "tuning",
                                      {{"ull", NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY},
                                       {"ll", NV_ENC_TUNING_INFO_LOW_LATENCY},
                                       {"hq", NV_ENC_TUNING_INFO_HIGH_QUALITY},
                                       {"lossless", NV_ENC_TUNING_INFO_LOSSLESS}});
  s.profile = pick<Profile>(stringOption(o, "profile", "auto"), "profile",
                            {{"auto", Profile::Auto},
                             {"baseline", Profile::Baseline},
                             {"main", Profile::Main},
                             {"high", Profile::High},
                             {"high444", Profile::High444},
                             {"main10", Profile::Main10}});
  s.rateControl = pick<RateControl>(stringOption(o, "rateControl", "cbr"), "rateControl",
                                    {{"cbr", RateControl::Cbr}, {"vbr", RateControl::Vbr}, {"cqp", RateControl::Cqp}});
  s.bitrate = uintOption(o, "bitrate", 0u);
  s.maxBitrate = uintOption(o, "maxBitrate", 0u);
  s.vbvBufferSize = uintOption(o, "vbvBufferSize", 0u);
  if (has(o, "qp")) {
    if (!o.Get("qp").IsObject()) throw invalidOption("qp must be { i, p, b }");
    Napi::Object qp = o.Get("qp").As<Napi::Object>();
    s.hasQp = true;
    s.qpI = uintOption(qp, "i", std::nullopt, 0, 255);
    s.qpP = uintOption(qp, "p", std::nullopt, 0, 255);
    s.qpB = uintOption(qp, "b", s.qpP, 0, 255);
  }
  s.fpsNum = uintOption(o, "fpsNum", 30u, 1);
  s.fpsDen = uintOption(o, "fpsDen", 1u, 1);
  s.gop = uintOption(o, "gop", NVENC_INFINITE_GOPLENGTH);
  s.idrPeriod = uintOption(o, "idrPeriod", s.gop);
  s.bFrames = uintOption(o, "bFrames", 0u, 0, 16);
  std::string format = stringOption(o, "inputFormat", "nv12");
  if (!parseInputFormat(format, s.inputFormat))
    throw invalidOption("inputFormat must be one of 'nv12', 'yuv444', 'bgra', 'rgba', 'p010', got '" + format + "'");
  if (has(o, "colour")) {
    if (!o.Get("colour").IsObject()) throw invalidOption("colour must be an object");
    Napi::Object c = o.Get("colour").As<Napi::Object>();
    s.colour.present = true;
    s.colour.primaries = uintOption(c, "primaries", 2u, 0, 255);
    s.colour.transfer = uintOption(c, "transfer", 2u, 0, 255);
    s.colour.matrix = uintOption(c, "matrix", 2u, 0, 255);
    s.colour.fullRange = boolOption(c, "fullRange", false);
  }
  s.extraOutputDelay = uintOption(o, "extraOutputDelay", 0u, 0, 64);
  s.repeatSpsPps = boolOption(o, "repeatSpsPps", true);
  s.zeroReorderDelay = boolOption(o, "zeroReorderDelay", false);
  s.hostUpload = pick<HostUpload>(stringOption(o, "hostUpload", "auto"), "hostUpload",
                                  {{"auto", HostUpload::Auto}, {"direct", HostUpload::Direct}, {"staged", HostUpload::Staged}});
  return s;
}

// ---- frames -----------------------------------------------------------------------------------

struct FrameInput {
  bool device = false;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  size_t pitch = 0;
  CUdeviceptr ptr = 0;
  Napi::Object holder;  // what keeps `data` alive
};

NativeError invalidFrame(const std::string& message) { return NativeError("INVALID_FRAME", message, 0, "input"); }

FrameInput parseFrame(const Napi::Value& value) {
  if (!value.IsObject()) throw invalidFrame("frame must be { data, pitch? } or { devicePtr, pitch }");
  Napi::Object frame = value.As<Napi::Object>();
  FrameInput in;
  in.holder = frame;
  if (has(frame, "devicePtr")) {
    in.device = true;
    Napi::Value p = frame.Get("devicePtr");
    if (!p.IsBigInt()) throw invalidFrame("devicePtr must be a bigint");
    bool lossless = true;
    in.ptr = p.As<Napi::BigInt>().Uint64Value(&lossless);
    // A frame problem is INVALID_FRAME whatever the field (negative or > 64-bit pointers too).
    if (!lossless) throw invalidFrame("devicePtr must be a bigint in [1, 2^64)");
    if (!has(frame, "pitch") || !frame.Get("pitch").IsNumber())
      throw invalidFrame("a device frame needs pitch (bytes per row)");
  } else {
    if (!has(frame, "data")) throw invalidFrame("frame needs data (host memory) or devicePtr (CUDA memory)");
    Napi::Value d = frame.Get("data");
    if (d.IsTypedArray()) {
      Napi::TypedArray t = d.As<Napi::TypedArray>();
      in.data = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
      in.bytes = t.ByteLength();
    } else if (d.IsDataView()) {
      Napi::DataView v = d.As<Napi::DataView>();
      in.data = static_cast<const uint8_t*>(v.ArrayBuffer().Data()) + v.ByteOffset();
      in.bytes = v.ByteLength();
    } else if (d.IsArrayBuffer()) {
      Napi::ArrayBuffer b = d.As<Napi::ArrayBuffer>();
      in.data = static_cast<const uint8_t*>(b.Data());
      in.bytes = b.ByteLength();
    } else {
      throw invalidFrame("frame.data must be a Buffer, TypedArray, DataView or ArrayBuffer");
    }
  }
  if (has(frame, "pitch")) {
    Napi::Value p = frame.Get("pitch");
    double d = p.IsNumber() ? p.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0) || d != std::floor(d) || d > 1e9) throw invalidFrame("pitch must be a non-negative integer");
    in.pitch = static_cast<size_t>(d);
  }
  return in;
}

FrameMeta parseEncodeOptions(const Napi::Value& value) {
  FrameMeta meta;
  if (!value.IsObject()) return meta;
  Napi::Object o = value.As<Napi::Object>();
  auto bad = [](const std::string& m) { return NativeError("INVALID_OPTION", m, 0, "encode"); };
  if (has(o, "forceKeyframe")) meta.forceKeyframe = o.Get("forceKeyframe").ToBoolean().Value();
  if (has(o, "seq")) {
    if (!o.Get("seq").IsNumber()) throw bad("seq must be a number");
    meta.hasSeq = true;
    meta.seq = o.Get("seq").As<Napi::Number>().DoubleValue();
  }
  if (has(o, "timestamp")) {
    if (!o.Get("timestamp").IsNumber()) throw bad("timestamp must be a number");
    meta.hasTimestamp = true;
    meta.timestamp = o.Get("timestamp").As<Napi::Number>().DoubleValue();
  }
  if (has(o, "sei")) {
    if (!o.Get("sei").IsArray()) throw bad("sei must be an array of { type, payload }");
    Napi::Array list = o.Get("sei").As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value item = list.Get(i);
      if (!item.IsObject()) throw bad("sei[" + std::to_string(i) + "] must be { type, payload }");
      Napi::Object m = item.As<Napi::Object>();
      SeiMessage msg;
      if (!m.Get("type").IsNumber()) throw bad("sei[" + std::to_string(i) + "].type must be a number");
      msg.type = m.Get("type").As<Napi::Number>().Uint32Value();
      Napi::Value p = m.Get("payload");
      if (!p.IsTypedArray()) throw bad("sei[" + std::to_string(i) + "].payload must be a Uint8Array");
      Napi::TypedArray t = p.As<Napi::TypedArray>();
      const uint8_t* bytes = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
      msg.payload.assign(bytes, bytes + t.ByteLength());
      meta.sei.push_back(std::move(msg));
    }
  }
  return meta;
}

Napi::Array packetsToJs(Napi::Env env, std::vector<Packet>& packets) {
  Napi::Array out = Napi::Array::New(env, packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    Packet& p = packets[i];
    Napi::Object o = Napi::Object::New(env);
    // Copied into memory V8 owns, not handed over as an external buffer: Node-API runs external
    // buffers' finalizers from setImmediate, so a loop of synchronous encode() calls that never
    // yields to the event loop kept every packet alive until it did (hardening/soak.mjs measured
    // ~300 bytes of RSS per frame even for 9-byte packets). The extra copy is one memcpy of the
    // packet; the GC frees V8-owned memory without a finalizer.
    Napi::Buffer<uint8_t> data =
        p.data.empty() ? Napi::Buffer<uint8_t>::New(env, 0) : Napi::Buffer<uint8_t>::Copy(env, p.data.data(), p.data.size());
    o.Set("data", data);
    o.Set("keyframe", p.keyframe);
    o.Set("pictureType", p.pictureType);
    o.Set("seq", p.seq);
    o.Set("timestamp", p.timestamp);
    o.Set("frameIndex", p.frameIndex);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// ---- the Encoder class ------------------------------------------------------------------------

class Encoder : public Napi::ObjectWrap<Encoder> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Encoder",
                       {InstanceMethod<&Encoder::Encode>("encode"),
                        InstanceMethod<&Encoder::EncodeAsync>("encodeAsync"),
                        InstanceMethod<&Encoder::Flush>("flush"),
                        InstanceMethod<&Encoder::FlushAsync>("flushAsync"),
                        InstanceMethod<&Encoder::Reconfigure>("reconfigure"),
                        InstanceMethod<&Encoder::GetCapabilities>("getCapabilities"),
                        InstanceMethod<&Encoder::SequenceHeaders>("sequenceHeaders"),
                        InstanceMethod<&Encoder::AllocateHostFrame>("allocateHostFrame"),
                        InstanceMethod<&Encoder::ReleaseDevicePointer>("releaseDevicePointer"),
                        InstanceMethod<&Encoder::Info>("info"),
                        InstanceMethod<&Encoder::LastFrameTimings>("lastFrameTimings"),
                        InstanceMethod<&Encoder::BenchNativeLoop>("benchNativeLoop"),
                        InstanceMethod<&Encoder::Close>("close"),
                        InstanceAccessor<&Encoder::Closed>("closed")});
  }

  explicit Encoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Encoder>(info), env_(info.Env()) {
    try {
      if (info.Length() < 1 || !info[0].IsObject()) throw invalidOption("Encoder needs an options object");
      session_ = std::make_shared<EncodeSession>(parseSessionOptions(info[0].As<Napi::Object>()));
    } catch (const NativeError& e) {
      throw e.toJs(info.Env());
    }
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
  // ENCODER_CLOSED) and lets the thread-safe function go. Idempotent.
  void shutdown() {
    closed_ = true;
    if (session_) session_->close();
    worker_.reset();  // after the join no thread calls the TSFN any more
    if (tsfn_) {
      if (!envTearingDown_) tsfn_.Release();
      tsfn_ = Napi::ThreadSafeFunction();
    }
  }

  void requireOpen() const {
    if (closed_) throw NativeError("ENCODER_CLOSED", "encoder is closed", 0, "encode");
  }

  // Synchronous calls wait for queued async calls, so all calls run in the order they were made.
  void waitForAsync() {
    if (worker_) worker_->waitIdle();
  }

  std::vector<Packet> run(const FrameInput& in, const FrameMeta& meta) {
    return in.device ? session_->encodeDevice(in.ptr, in.pitch, meta)
                     : session_->encodeHost(in.data, in.bytes, in.pitch, meta);
  }

  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      FrameInput in = parseFrame(info[0]);
      FrameMeta meta = parseEncodeOptions(info.Length() > 1 ? info[1] : env.Undefined());
      waitForAsync();
      std::vector<Packet> packets = run(in, meta);
      return packetsToJs(env, packets);
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      waitForAsync();
      std::vector<Packet> packets = session_->flush();
      return packetsToJs(env, packets);
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
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
        if (owned->error) owned->deferred.Reject(owned->error->toJs(env).Value());
        else owned->deferred.Resolve(packetsToJs(env, owned->packets));
        owned->frame.Reset();
        callSettled(env);
      });
    });
    return promise;
  }

  static Napi::Value rejected(Napi::Env env, const NativeError& e) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(e.toJs(env).Value());
    return deferred.Promise();
  }

  Napi::Value EncodeAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      FrameInput in = parseFrame(info[0]);
      FrameMeta meta = parseEncodeOptions(info.Length() > 1 ? info[1] : env.Undefined());
      std::shared_ptr<EncodeSession> session = session_;
      // Only plain values cross to the worker; the frame object itself stays on this thread,
      // referenced by the call until it settles.
      const bool device = in.device;
      const uint8_t* data = in.data;
      const size_t bytes = in.bytes, pitch = in.pitch;
      const CUdeviceptr ptr = in.ptr;
      return submit(
          env,
          [session, device, data, bytes, pitch, ptr, meta]() {
            return device ? session->encodeDevice(ptr, pitch, meta) : session->encodeHost(data, bytes, pitch, meta);
          },
          in.holder);
    } catch (const NativeError& e) {
      return rejected(env, e);
    }
  }

  Napi::Value FlushAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      std::shared_ptr<EncodeSession> session = session_;
      return submit(env, [session]() { return session->flush(); }, Napi::Object());
    } catch (const NativeError& e) {
      return rejected(env, e);
    }
  }

  Napi::Value Reconfigure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      if (info.Length() < 1 || !info[0].IsObject()) throw invalidOption("reconfigure needs an options object");
      Napi::Object o = info[0].As<Napi::Object>();
      ReconfigureRequest r;
      if ((r.hasBitrate = has(o, "bitrate"))) r.bitrate = uintOption(o, "bitrate", std::nullopt, 1);
      if ((r.hasMaxBitrate = has(o, "maxBitrate"))) r.maxBitrate = uintOption(o, "maxBitrate", std::nullopt, 1);
      if ((r.hasFps = has(o, "fps"))) r.fps = uintOption(o, "fps", std::nullopt, 1);
      if ((r.hasWidth = has(o, "width"))) r.width = uintOption(o, "width", std::nullopt, 1, 16384);
      if ((r.hasHeight = has(o, "height"))) r.height = uintOption(o, "height", std::nullopt, 1, 16384);
      r.forceKeyframe = boolOption(o, "forceKeyframe", false);
      waitForAsync();
      session_->reconfigure(r);
      return env.Undefined();
    } catch (const NativeError& e) {
      NativeError withPhase(e.code(), e.what(), e.status(), e.phase() == "configure" ? "reconfigure" : e.phase());
      throw withPhase.toJs(env);
    }
  }

  Napi::Value GetCapabilities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      std::string codec = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "h264";
      waitForAsync();
      Napi::Object out = Napi::Object::New(env);
      for (const auto& [name, value] : session_->capabilities(parseCodec(codec))) out.Set(name, value);
      return out;
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value SequenceHeaders(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      waitForAsync();
      std::vector<uint8_t> bytes = session_->sequenceHeaders();
      return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value AllocateHostFrame(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      std::unique_ptr<PinnedHostBuffer> pinned = session_->allocateHostFrame();
      PinnedHostBuffer* raw = pinned.release();
      return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(raw->data()), raw->size(),
                                        [](Napi::Env, uint8_t*, PinnedHostBuffer* p) { delete p; }, raw);
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value ReleaseDevicePointer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      if (closed_) return Napi::Boolean::New(env, false);
      if (info.Length() < 1) throw invalidOption("releaseDevicePointer needs a bigint");
      CUdeviceptr ptr = bigintValue(info[0], "ptr");
      waitForAsync();
      return Napi::Boolean::New(env, session_->releaseDevicePointer(ptr));
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
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
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  // { uploadUs, submitUs, waitUs } of the last encode call that ran (sync or async).
  Napi::Value LastFrameTimings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      EncodeSession::StageTimings t = session_->lastTimings();
      Napi::Object out = Napi::Object::New(env);
      out.Set("uploadUs", t.uploadUs);
      out.Set("submitUs", t.submitUs);
      out.Set("waitUs", t.waitUs);
      return out;
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  // Benchmark support (nvenc-bench's overhead measurement), not API: encodes `frame` `count`
  // times from C++ on this encoder's session and returns each call's time in µs. Against the
  // same frame through encode(), the difference is what the JS side costs per frame.
  Napi::Value BenchNativeLoop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      requireOpen();
      FrameInput in = parseFrame(info[0]);
      const uint32_t count = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 0;
      waitForAsync();
      Napi::Float64Array out = Napi::Float64Array::New(env, count);
      FrameMeta meta;
      for (uint32_t i = 0; i < count; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        { std::vector<Packet> packets = run(in, meta); }  // freed inside the timing, as encode() frees it
        out[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      }
      return out;
    } catch (const NativeError& e) {
      throw e.toJs(env);
    }
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

  napi_env env_;
  std::shared_ptr<EncodeSession> session_;
  std::unique_ptr<EncoderWorker> worker_;
  Napi::ThreadSafeFunction tsfn_;
  size_t pending_ = 0;
  bool closed_ = false;
  bool hookRegistered_ = false;
  bool envTearingDown_ = false;
};

// ---- test-only helpers (BINDING.md: `_testing`) -----------------------------------------------

std::shared_ptr<CudaContext> testingContext(const Napi::Object& o) {
  // Primary contexts stay retained for the process, so test allocations outlive any encoder.
  static std::map<std::tuple<std::string, std::string, int>, std::shared_ptr<CudaContext>> contexts;
  LibraryChoice choice = libraryChoiceFrom(o);
  int gpu = has(o, "gpu") ? o.Get("gpu").As<Napi::Number>().Int32Value() : 0;
  auto key = std::make_tuple(choice.cudaLibrary, choice.nvencLibrary, gpu);
  auto it = contexts.find(key);
  if (it != contexts.end()) return it->second;
  auto driver = Driver::get(choice);
  if (!driver->cuda().ok() || driver->cudaInitStatus() != CUDA_SUCCESS) driver->requireUsable();  // throws the CUDA reason
  auto ctx = CudaContext::primary(driver, gpu);
  contexts.emplace(key, ctx);
  return ctx;
}

Napi::Object optionsArg(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsObject()) return info[0].As<Napi::Object>();
  return Napi::Object::New(info.Env());
}

Napi::Value TestingCudaMalloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto ctx = testingContext(optionsArg(info));
    size_t bytes = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
    ScopedContext scope(ctx->cuda(), ctx->get());
    CUdeviceptr ptr = 0;
    checkCuda(ctx->cuda(), ctx->cuda().cuMemAlloc(&ptr, bytes), "cuMemAlloc", "allocate");
    return Napi::BigInt::New(env, static_cast<uint64_t>(ptr));
  } catch (const NativeError& e) {
    throw e.toJs(env);
  }
}

Napi::Value TestingCudaFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto ctx = testingContext(optionsArg(info));
    CUdeviceptr ptr = bigintValue(info[1], "ptr");
    ScopedContext scope(ctx->cuda(), ctx->get());
    checkCuda(ctx->cuda(), ctx->cuda().cuMemFree(ptr), "cuMemFree", "allocate");
    return env.Undefined();
  } catch (const NativeError& e) {
    throw e.toJs(env);
  }
}

Napi::Value TestingCudaCopyToDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto ctx = testingContext(optionsArg(info));
    CUdeviceptr ptr = bigintValue(info[1], "ptr");
    if (!info[2].IsTypedArray()) throw invalidOption("cudaCopyToDevice needs a Buffer/TypedArray");
    Napi::TypedArray t = info[2].As<Napi::TypedArray>();
    const uint8_t* src = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    ScopedContext scope(ctx->cuda(), ctx->get());
    checkCuda(ctx->cuda(), ctx->cuda().cuMemcpyHtoD(ptr, src, t.ByteLength()), "cuMemcpyHtoD", "input");
    return env.Undefined();
  } catch (const NativeError& e) {
    throw e.toJs(env);
  }
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

void RegisterEncoder(Napi::Env env, Napi::Object exports) {
  exports.Set("Encoder", Encoder::Define(env));
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("cudaMalloc", Napi::Function::New(env, TestingCudaMalloc, "cudaMalloc"));
  testing.Set("cudaFree", Napi::Function::New(env, TestingCudaFree, "cudaFree"));
  testing.Set("cudaCopyToDevice", Napi::Function::New(env, TestingCudaCopyToDevice, "cudaCopyToDevice"));
  testing.Set("softwareCounters", Napi::Function::New(env, TestingSoftwareCounters, "softwareCounters"));
  exports.Set("_testing", testing);
}

}  // namespace nvenc
