// JS → C++ for the per-frame calls (declared in js_conversion.h): the frame (host bytes or a CUDA
// pointer), its per-frame options, and encodeFrame's scalar fast path.
#include <cmath>
#include <optional>

#include "js_conversion.h"

namespace nvenc {

namespace {
NativeError invalidFrame(const std::string& message) { return NativeError("INVALID_FRAME", message, 0, "input"); }
}  // namespace

FrameInput parseFrame(const Napi::Value& value) {
  if (!value.IsObject()) throw invalidFrame("frame must be { data, pitch? } or { devicePtr, pitch }");
  Napi::Object frame = value.As<Napi::Object>();
  FrameInput in;
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
    // The bytes themselves are kept alive, not the frame object: a caller may reuse the object
    // for its next frame while this one is still queued.
    if (d.IsObject()) in.holder = d.As<Napi::Object>();
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
  // The number at `key` when given; anything else there is INVALID_OPTION `message`.
  auto number = [&](const Napi::Object& from, const char* key, const char* message) -> std::optional<Napi::Number> {
    if (!has(from, key)) return std::nullopt;
    Napi::Value v = from.Get(key);
    if (!v.IsNumber()) throw bad(message);
    return v.As<Napi::Number>();
  };
  if (has(o, "forceKeyframe")) meta.forceKeyframe = o.Get("forceKeyframe").ToBoolean().Value();
  if (auto seq = number(o, "seq", "seq must be a number")) {
    meta.hasSeq = true;
    meta.seq = seq->DoubleValue();
  }
  if (auto timestamp = number(o, "timestamp", "timestamp must be a number")) {
    meta.hasTimestamp = true;
    meta.timestamp = timestamp->DoubleValue();
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
  if (auto frames = number(o, "startIntraRefresh", "startIntraRefresh must be a number"))
    meta.startIntraRefresh = frames->Uint32Value();
  if (has(o, "ltr")) {
    if (!o.Get("ltr").IsObject()) throw bad("ltr must be { mark?, use? }");
    Napi::Object ltr = o.Get("ltr").As<Napi::Object>();
    if (auto mark = number(ltr, "mark", "ltr.mark must be a number")) {
      meta.ltrMark = true;
      meta.ltrMarkSlot = mark->Uint32Value();
    }
    if (auto use = number(ltr, "use", "ltr.use must be a bitmap number")) meta.ltrUseBitmap = use->Uint32Value();
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

}  // namespace nvenc
