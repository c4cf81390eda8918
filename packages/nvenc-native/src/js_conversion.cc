// JS → C++ for the session (declared in js_conversion.h): the shared argument helpers, session
// options, reconfigure requests, invalidateReferences' timestamps. Frames: js_frame_arguments.cc;
// packets and info, C++ → JS: js_results.cc.
#include "js_conversion.h"

#include <cmath>

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

std::vector<double> parseTimestamps(const Napi::Value& value) {
  if (!value.IsArray()) throw invalidOption("invalidateReferences needs an array of timestamps", "encode");
  Napi::Array list = value.As<Napi::Array>();
  std::vector<double> timestamps;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Value v = list.Get(i);
    if (!v.IsNumber()) throw invalidOption("invalidateReferences: timestamps must be numbers", "encode");
    timestamps.push_back(v.As<Napi::Number>().DoubleValue());
  }
  return timestamps;
}

}  // namespace nvenc
