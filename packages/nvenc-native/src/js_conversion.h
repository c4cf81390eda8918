#pragma once
// JS ↔ C++ conversion for the Encoder binding (sharp's src/common.cc role): options, frames,
// per-frame metadata and packets (defined in js_conversion.cc, js_frame_arguments.cc and
// js_results.cc). Conversion checks types only: @nvenc-ts/nvenc
// (packages/nvenc/src/options.ts) owns every default and range, so every field the session needs
// is required here and a missing one is INVALID_OPTION naming it.
#include <napi.h>

#include <string>
#include <vector>

#include "native_error.h"
#include "session/session_types.h"

namespace nvenc {

NativeError invalidOption(const std::string& message, const char* phase = "configure");

// The first argument when it is an object (a probe's or test helper's library options), else {}.
Napi::Object optionsArg(const Napi::CallbackInfo& info);
// True when `key` is present and neither undefined nor null.
bool has(const Napi::Object& o, const char* key);
// A bigint (or safe-integer number) as 64 bits, e.g. a CUDA pointer or context.
uint64_t bigintValue(const Napi::Value& v, const char* what);
Codec parseCodec(const std::string& name);

SessionOptions parseSessionOptions(const Napi::Object& o);
ReconfigureRequest parseReconfigure(const Napi::Value& value);
// invalidateReferences(timestamps): an array of numbers (the caller's frame timestamps).
std::vector<double> parseTimestamps(const Napi::Value& value);

// A frame as the binding received it: host bytes or a CUDA device pointer.
struct FrameInput {
  bool device = false;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  size_t pitch = 0;
  CUdeviceptr ptr = 0;
  Napi::Object holder;  // the Buffer/TypedArray/DataView/ArrayBuffer whose bytes `data` points into
};

FrameInput parseFrame(const Napi::Value& value);
FrameMeta parseEncodeOptions(const Napi::Value& value);

// encode(frame, options?) / encodeAsync(frame, options?) arguments.
struct EncodeArguments {
  FrameInput frame;
  FrameMeta meta;
};
EncodeArguments parseEncodeArguments(const Napi::CallbackInfo& info);
// encodeFrame(input, pitch, seq, timestamp, forceKeyframe, ...) arguments: the frame as scalars
// that @nvenc-ts/nvenc already validated (input: a bigint device pointer or a TypedArray of host
// pixels; pitch 0 = tight; seq/timestamp: a number or undefined). Reading no properties is what
// makes this the per-frame fast path: each property read or write through Node-API costs about
// as much as the whole session's bookkeeping for a frame.
EncodeArguments parseFrameArguments(const Napi::CallbackInfo& info);

// Hands out JS-owned Buffers so a synchronous call copies each packet once (see PacketMemory).
class JsPacketMemory : public PacketMemory {
 public:
  explicit JsPacketMemory(Napi::Env env) : env_(env) {}
  uint8_t* allocate(size_t bytes, size_t& handle) override;
  Napi::Buffer<uint8_t> buffer(size_t handle) const { return buffers_[handle]; }

 private:
  Napi::Env env_;
  std::vector<Napi::Buffer<uint8_t>> buffers_;
};

// Packets as JS objects { data, keyframe, pictureType, seq, timestamp, frameIndex }.
Napi::Array packetsToJs(Napi::Env env, std::vector<Packet>& packets, const JsPacketMemory* memory = nullptr);

// Fields of one packet in encodeFrame's results array, in this order.
constexpr size_t kPacketFields =
    6;  // keyframe (0/1), picture type (index in kPictureTypes), seq, timestamp, frameIndex, slices
extern const char* const kPictureTypes[6];  // 'idr', 'i', 'p', 'b', 'bi', 'unknown' (types.ts PictureType)
// encodeFrame's result: packet i's fields into results[kPacketFields*i ...], and as the value
// null (no packet), the packet's Buffer (one), or an array of Buffers. When `results` is too small
// for the packets, the value is packetsToJs()'s array of packet objects instead.
Napi::Value packetsToResults(Napi::Env env, std::vector<Packet>& packets, const JsPacketMemory* memory,
                             Napi::Float64Array results);
// encodeFrameAsync's result: one flat array, kPacketFields + 1 entries per packet: the packet's
// Buffer, then its fields as in packetsToResults (keyframe as a boolean). Array elements, unlike
// named properties, cost no property-name lookup; @nvenc-ts/nvenc builds the packet objects.
Napi::Array packetsToFlat(Napi::Env env, std::vector<Packet>& packets);

// info()'s object (BINDING.md): the session's SessionInfo and the NVENC ABI compiled in.
Napi::Object sessionInfoToJs(Napi::Env env, const SessionInfo& info);

}  // namespace nvenc
