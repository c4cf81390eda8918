// C++ → JS (declared in js_conversion.h): the packets an encode call returns, in its three shapes
// (objects, encodeFrame's results array, encodeFrameAsync's flat array), and info()'s object.
#include <cstring>

#include "driver/nvenc_api.h"
#include "js_conversion.h"
#include "session/frame_layout.h"
#include "session/host_upload.h"

namespace nvenc {

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

Napi::Object sessionInfoToJs(Napi::Env env, const SessionInfo& i) {
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
}

}  // namespace nvenc
