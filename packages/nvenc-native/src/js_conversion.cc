#include "js_conversion.h"

#include <cmath>
#include <cstring>

namespace nvenc {

NativeError invalidOption(const std::string& message, const char* phase) {
  return NativeError("INVALID_OPTION", message, 0, phase);
}

Napi::Object optionsArg(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsObject()) return info[0].As<Napi::Object>();
  return Napi::Object::New(info.Env());
}

bool has(const Napi::Object& o, const char* key) {
  return o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull();
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

namespace {

// Reads required fields of one options object; errors name the field by its path ("qp.b").
class Fields {
 public:
  Fields(const Napi::Object& o, std::string prefix, const char* phase)
      : o_(o), prefix_(std::move(prefix)), phase_(phase) {}

  bool has(const char* key) const { return nvenc::has(o_, key); }

  // An unsigned 32-bit integer: the C type of the field, not a range of allowed values.
  uint32_t uint32(const char* key) const {
    Napi::Value v = required(key);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!v.IsNumber() || !std::isfinite(d) || d != std::floor(d) || d < 0 || d > 4294967295.0)
      throw error(key, "must be an unsigned 32-bit integer, got " + v.ToString().Utf8Value());
    return static_cast<uint32_t>(d);
  }

  std::string string(const char* key) const {
    Napi::Value v = required(key);
    if (!v.IsString()) throw error(key, "must be a string");
    return v.As<Napi::String>().Utf8Value();
  }

  bool boolean(const char* key) const {
    Napi::Value v = required(key);
    if (!v.IsBoolean()) throw error(key, "must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  Fields object(const char* key) const {
    Napi::Value v = required(key);
    if (!v.IsObject()) throw error(key, "must be an object");
    return Fields(v.As<Napi::Object>(), name(key) + ".", phase_);
  }

  template <typename T>
  T pick(const char* key, std::initializer_list<std::pair<const char*, T>> choices) const {
    std::string value = string(key);
    std::string list;
    for (const auto& [choice, v] : choices) {
      if (value == choice) return v;
      list += (list.empty() ? "'" : ", '") + std::string(choice) + "'";
    }
    throw error(key, "must be one of " + list + ", got '" + value + "'");
  }

  NativeError error(const char* key, const std::string& what) const {
    return NativeError("INVALID_OPTION", name(key) + " " + what, 0, phase_, name(key));
  }

 private:
  std::string name(const char* key) const { return prefix_ + key; }
  Napi::Value required(const char* key) const {
    if (!has(key)) throw error(key, "is required (the binding has no defaults; @nvenc-ts/nvenc fills them)");
    return o_.Get(key);
  }

  Napi::Object o_;
  std::string prefix_;
  const char* phase_;
};

const std::initializer_list<std::pair<const char*, Codec>> kCodecs = {
    {"h264", Codec::H264}, {"hevc", Codec::Hevc}, {"av1", Codec::Av1}};

}  // namespace

Codec parseCodec(const std::string& name) {
  for (const auto& [choice, codec] : kCodecs)
    if (name == choice) return codec;
  throw NativeError("INVALID_OPTION", "codec must be one of 'h264', 'hevc', 'av1', got '" + name + "'", 0, "configure",
                    "codec");
}

SessionOptions parseSessionOptions(const Napi::Object& object) {
  Fields o(object, "", "configure");
  SessionOptions s;
  s.libraries.cudaLibrary = o.string("cudaLibrary");
  s.libraries.nvencLibrary = o.string("nvencLibrary");
  s.gpu = static_cast<int>(o.uint32("gpu"));
  if (o.has("cudaContext"))
    s.context = reinterpret_cast<CUcontext>(bigintValue(object.Get("cudaContext"), "cudaContext"));
  s.width = o.uint32("width");
  s.height = o.uint32("height");
  s.codec = o.pick<Codec>("codec", kCodecs);
  s.preset = o.pick<int>("preset", {{"p1", 1}, {"p2", 2}, {"p3", 3}, {"p4", 4}, {"p5", 5}, {"p6", 6}, {"p7", 7}});
  s.tuning = o.pick<NV_ENC_TUNING_INFO>("tuning", {{"ull", NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY},
                                                   {"ll", NV_ENC_TUNING_INFO_LOW_LATENCY},
                                                   {"hq", NV_ENC_TUNING_INFO_HIGH_QUALITY},
                                                   {"lossless", NV_ENC_TUNING_INFO_LOSSLESS}});
  s.profile = o.pick<Profile>("profile", {{"auto", Profile::Auto},
                                          {"baseline", Profile::Baseline},
                                          {"main", Profile::Main},
                                          {"high", Profile::High},
                                          {"high444", Profile::High444},
                                          {"main10", Profile::Main10}});
  s.rateControl = o.pick<RateControl>(
      "rateControl", {{"cbr", RateControl::Cbr}, {"vbr", RateControl::Vbr}, {"cqp", RateControl::Cqp}});
  s.bitrate = o.uint32("bitrate");
  // Optional by meaning, not by default: absent leaves the preset's value.
  if (o.has("maxBitrate")) s.maxBitrate = o.uint32("maxBitrate");
  if (o.has("vbvBufferSize")) s.vbvBufferSize = o.uint32("vbvBufferSize");
  if (o.has("qp")) {
    Fields qp = o.object("qp");
    s.hasQp = true;
    s.qpI = qp.uint32("i");
    s.qpP = qp.uint32("p");
    s.qpB = qp.uint32("b");
  }
  s.fpsNum = o.uint32("fpsNum");
  s.fpsDen = o.uint32("fpsDen");
  s.gop = o.uint32("gop");
  s.idrPeriod = o.uint32("idrPeriod");
  s.bFrames = o.uint32("bFrames");
  s.inputFormat = o.pick<InputFormat>("inputFormat", {{"nv12", InputFormat::Nv12},
                                                      {"yuv444", InputFormat::Yuv444},
                                                      {"bgra", InputFormat::Bgra},
                                                      {"rgba", InputFormat::Rgba},
                                                      {"p010", InputFormat::P010}});
  // Optional by meaning: absent, the stream signals no colour description.
  if (o.has("colour")) {
    Fields c = o.object("colour");
    s.colour.present = true;
    s.colour.primaries = c.uint32("primaries");
    s.colour.transfer = c.uint32("transfer");
    s.colour.matrix = c.uint32("matrix");
    s.colour.fullRange = c.boolean("fullRange");
  }
  s.extraOutputDelay = o.uint32("extraOutputDelay");
  s.repeatSpsPps = o.boolean("repeatSpsPps");
  s.zeroReorderDelay = o.boolean("zeroReorderDelay");
  // The encoder controls are optional by meaning: absent, the control is off (one slice per
  // picture, no AQ, no lookahead, ...), which is what the session did before they existed, so
  // callers that predate them keep working. @nvenc-ts/nvenc always passes every one.
  if (o.has("intraRefresh")) {
    Fields ir = o.object("intraRefresh");
    s.intraRefreshPeriod = ir.uint32("period");
    s.intraRefreshCount = ir.uint32("count");
  }
  s.sliceMode = SliceMode::Count;
  s.sliceValue = 1;
  if (o.has("slices")) {
    Fields slices = o.object("slices");
    s.sliceMode = slices.pick<SliceMode>("mode", {{"count", SliceMode::Count},
                                                  {"maxBytes", SliceMode::MaxBytes},
                                                  {"macroblocks", SliceMode::Macroblocks},
                                                  {"rows", SliceMode::Rows}});
    s.sliceValue = slices.uint32("value");
  }
  if (o.has("spatialAq")) s.spatialAq = o.boolean("spatialAq");
  if (o.has("aqStrength")) s.aqStrength = o.uint32("aqStrength");
  if (o.has("temporalAq")) s.temporalAq = o.boolean("temporalAq");
  if (o.has("lookahead")) s.lookahead = o.uint32("lookahead");
  if ((s.hasMultipass = o.has("multipass")))
    s.multipass = o.pick<Multipass>("multipass", {{"disabled", Multipass::Disabled},
                                                  {"quarter-resolution", Multipass::QuarterResolution},
                                                  {"full-resolution", Multipass::FullResolution}});
  if (o.has("weightedPrediction")) s.weightedPrediction = o.boolean("weightedPrediction");
  if (o.has("bFrameRefMode"))
    s.bFrameRefMode = o.pick<BFrameRefMode>(
        "bFrameRefMode",
        {{"disabled", BFrameRefMode::Disabled}, {"each", BFrameRefMode::Each}, {"middle", BFrameRefMode::Middle}});
  if (o.has("maxReferenceFrames")) s.maxReferenceFrames = o.uint32("maxReferenceFrames");
  if (o.has("qpMap"))
    s.qpMap = o.pick<QpMapMode>(
        "qpMap", {{"off", QpMapMode::Off}, {"delta", QpMapMode::Delta}, {"emphasis", QpMapMode::Emphasis}});
  if (o.has("longTermReferences")) s.longTermReferences = o.uint32("longTermReferences");
  // Optional by meaning: absent, NVENC uses its own streams.
  if (o.has("cudaStream")) {
    s.hasCudaStream = true;
    s.cudaStream = reinterpret_cast<CUstream>(bigintValue(object.Get("cudaStream"), "cudaStream"));
  }
  s.hostUpload = o.pick<HostUpload>(
      "hostUpload", {{"auto", HostUpload::Auto}, {"direct", HostUpload::Direct}, {"staged", HostUpload::Staged}});
  return s;
}

// Every field is optional by meaning: only what is given changes.
ReconfigureRequest parseReconfigure(const Napi::Value& value) {
  if (!value.IsObject()) throw invalidOption("reconfigure needs an options object", "reconfigure");
  Fields o(value.As<Napi::Object>(), "", "reconfigure");
  ReconfigureRequest r;
  if ((r.hasBitrate = o.has("bitrate"))) r.bitrate = o.uint32("bitrate");
  if ((r.hasMaxBitrate = o.has("maxBitrate"))) r.maxBitrate = o.uint32("maxBitrate");
  // Frame rate as a fraction (29.97 = 30000/1001), like the constructor's fpsNum/fpsDen.
  if ((r.hasFps = o.has("fpsNum") || o.has("fpsDen"))) {
    r.fpsNum = o.uint32("fpsNum");
    r.fpsDen = o.uint32("fpsDen");
  }
  if ((r.hasWidth = o.has("width"))) r.width = o.uint32("width");
  if ((r.hasHeight = o.has("height"))) r.height = o.uint32("height");
  if (o.has("forceKeyframe")) r.forceKeyframe = o.boolean("forceKeyframe");
  if ((r.hasQp = o.has("qp"))) r.qp = o.uint32("qp");
  return r;
}

// ---- frames -----------------------------------------------------------------------------------

namespace {
NativeError invalidFrame(const std::string& message) { return NativeError("INVALID_FRAME", message, 0, "input"); }
}  // namespace

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
  if (has(o, "startIntraRefresh")) {
    if (!o.Get("startIntraRefresh").IsNumber()) throw bad("startIntraRefresh must be a number");
    meta.startIntraRefresh = o.Get("startIntraRefresh").As<Napi::Number>().Uint32Value();
  }
  if (has(o, "ltr")) {
    if (!o.Get("ltr").IsObject()) throw bad("ltr must be { mark?, use? }");
    Napi::Object ltr = o.Get("ltr").As<Napi::Object>();
    if (has(ltr, "mark")) {
      if (!ltr.Get("mark").IsNumber()) throw bad("ltr.mark must be a number");
      meta.ltrMark = true;
      meta.ltrMarkSlot = ltr.Get("mark").As<Napi::Number>().Uint32Value();
    }
    if (has(ltr, "use")) {
      if (!ltr.Get("use").IsNumber()) throw bad("ltr.use must be a bitmap number");
      meta.ltrUseBitmap = ltr.Get("use").As<Napi::Number>().Uint32Value();
    }
  }
  if (has(o, "qpMap")) {
    Napi::Value m = o.Get("qpMap");
    if (!m.IsTypedArray() || m.As<Napi::TypedArray>().TypedArrayType() != napi_int8_array)
      throw bad("qpMap must be an Int8Array");
    Napi::TypedArray t = m.As<Napi::TypedArray>();
    const int8_t* v =
        reinterpret_cast<const int8_t*>(static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
    meta.qpMap.assign(v, v + t.ElementLength());
  }
  if (has(o, "qp")) {
    if (!o.Get("qp").IsNumber()) throw bad("qp must be a number");
    meta.hasQp = true;
    meta.qp = o.Get("qp").As<Napi::Number>().Uint32Value();
  }
  return meta;
}

EncodeArguments parseEncodeArguments(const Napi::CallbackInfo& info) {
  EncodeArguments args;
  args.frame = parseFrame(info[0]);
  args.meta = parseEncodeOptions(info.Length() > 1 ? info[1] : info.Env().Undefined());
  return args;
}

EncodeArguments parseFrameArguments(const Napi::CallbackInfo& info) {
  EncodeArguments args;
  FrameInput& in = args.frame;
  Napi::Value input = info[0];
  if (input.IsBigInt()) {
    bool lossless = true;
    in.device = true;
    in.ptr = input.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw invalidFrame("devicePtr must be a bigint in [1, 2^64)");
  } else if (input.IsTypedArray()) {
    Napi::TypedArray t = input.As<Napi::TypedArray>();
    in.data = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    in.bytes = t.ByteLength();
    in.holder = t;
  } else {
    throw invalidFrame("encodeFrame needs a device pointer (bigint) or host pixels (TypedArray)");
  }
  if (info[1].IsNumber()) {
    double d = info[1].As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != std::floor(d) || d > 1e9) throw invalidFrame("pitch must be a non-negative integer");
    in.pitch = static_cast<size_t>(d);
  }
  FrameMeta& meta = args.meta;
  if (info[2].IsNumber()) {
    meta.hasSeq = true;
    meta.seq = info[2].As<Napi::Number>().DoubleValue();
  }
  if (info[3].IsNumber()) {
    meta.hasTimestamp = true;
    meta.timestamp = info[3].As<Napi::Number>().DoubleValue();
  }
  meta.forceKeyframe = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  return args;
}

// ---- packets ----------------------------------------------------------------------------------

// V8-owned memory, not external buffers: Node-API runs external buffers' finalizers from
// setImmediate, so a loop of synchronous encode() calls that never yields to the event loop kept
// every packet alive until it did (hardening/soak.mjs measured ~300 bytes of RSS per frame even
// for 9-byte packets). The GC frees V8-owned memory without a finalizer.
uint8_t* JsPacketMemory::allocate(size_t bytes, size_t& handle) {
  buffers_.push_back(Napi::Buffer<uint8_t>::New(env_, bytes));
  handle = buffers_.size() - 1;
  return buffers_.back().Data();
}

const char* const kPictureTypes[6] = {"idr", "i", "p", "b", "bi", "unknown"};

namespace {
Napi::Buffer<uint8_t> packetData(Napi::Env env, Packet& p, const JsPacketMemory* memory) {
  if (memory && p.memory != Packet::kInData) return memory->buffer(p.memory);
  if (p.data.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  return Napi::Buffer<uint8_t>::Copy(env, p.data.data(), p.data.size());
}

double pictureTypeIndex(const char* type) {
  for (size_t k = 0; k < 6; ++k)
    if (std::strcmp(type, kPictureTypes[k]) == 0) return static_cast<double>(k);
  return 5;
}
}  // namespace

Napi::Value packetsToResults(Napi::Env env, std::vector<Packet>& packets, const JsPacketMemory* memory,
                             Napi::Float64Array results) {
  if (packets.empty()) return env.Null();
  if (results.ElementLength() < packets.size() * kPacketFields) return packetsToJs(env, packets, memory);
  double* out = results.Data();
  for (size_t i = 0; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    double* f = out + i * kPacketFields;
    f[0] = p.keyframe ? 1 : 0;
    f[1] = pictureTypeIndex(p.pictureType);
    f[2] = p.seq;
    f[3] = p.timestamp;
    f[4] = p.frameIndex;
    f[5] = p.slices;
  }
  if (packets.size() == 1) return packetData(env, packets[0], memory);
  Napi::Array list = Napi::Array::New(env, packets.size());
  for (size_t i = 0; i < packets.size(); ++i) list.Set(static_cast<uint32_t>(i), packetData(env, packets[i], memory));
  return list;
}

Napi::Array packetsToFlat(Napi::Env env, std::vector<Packet>& packets) {
  Napi::Array out = Napi::Array::New(env, packets.size() * (kPacketFields + 1));
  uint32_t k = 0;
  for (Packet& p : packets) {
    out.Set(k++, packetData(env, p, nullptr));
    out.Set(k++, Napi::Boolean::New(env, p.keyframe));
    out.Set(k++, Napi::Number::New(env, pictureTypeIndex(p.pictureType)));
    out.Set(k++, Napi::Number::New(env, p.seq));
    out.Set(k++, Napi::Number::New(env, p.timestamp));
    out.Set(k++, Napi::Number::New(env, p.frameIndex));
    out.Set(k++, Napi::Number::New(env, p.slices));
  }
  return out;
}

Napi::Array packetsToJs(Napi::Env env, std::vector<Packet>& packets, const JsPacketMemory* memory) {
  Napi::Array out = Napi::Array::New(env, packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    Packet& p = packets[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", packetData(env, p, memory));
    o.Set("keyframe", p.keyframe);
    o.Set("pictureType", p.pictureType);
    o.Set("seq", p.seq);
    o.Set("timestamp", p.timestamp);
    o.Set("frameIndex", p.frameIndex);
    o.Set("slices", p.slices);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace nvenc
