// EncodeSession (encode_session.h), phase: receive packets. A finished picture's bitstream is
// locked, copied out once (into JS-owned memory when the call gave PacketMemory), and matched
// with the seq/timestamp it was sent with; flush() drains the pictures NVENC still holds.
#include <cstring>

#include "session/encode_session.h"
#include "session/packet_memory_scope.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

namespace {

const char* pictureTypeName(NV_ENC_PIC_TYPE t) {
  switch (t) {
    case NV_ENC_PIC_TYPE_IDR: return "idr";
    case NV_ENC_PIC_TYPE_I: return "i";
    case NV_ENC_PIC_TYPE_P:
    case NV_ENC_PIC_TYPE_NONREF_P:
    case NV_ENC_PIC_TYPE_INTRA_REFRESH: return "p";
    case NV_ENC_PIC_TYPE_B: return "b";
    case NV_ENC_PIC_TYPE_BI: return "bi";
    default: return "unknown";
  }
}

// True when an Annex-B access unit carries a sequence parameter set (H.264 SPS, HEVC VPS/SPS/PPS):
// an I picture is only a place a decoder can start when it brings its parameter sets.
bool carriesParameterSets(const uint8_t* au, size_t size, Codec codec) {
  for (size_t i = 0; i + 3 < size; ++i) {
    if (au[i] != 0 || au[i + 1] != 0 || au[i + 2] != 1) continue;
    uint8_t header = au[i + 3];
    if (codec == Codec::H264 && (header & 0x1f) == 7) return true;
    if (codec == Codec::Hevc) {
      int type = (header >> 1) & 0x3f;
      if (type >= 32 && type <= 34) return true;
    }
  }
  return false;
}

}  // namespace

void EncodeSession::collect(std::vector<Packet>& out, size_t keep) {
  while (ready_ > keep) out.push_back(readSlot(inFlight_.front()));
}

void EncodeSession::releaseSlotInput(Slot& slot) {
  if (slot.input) {
    slot.input->unmap();
    slot.input = nullptr;
  }
}

Packet EncodeSession::readSlot(size_t idx) {
  Slot& slot = slots_[idx];
  Packet packet;
  auto retire = [&] {
    inFlight_.pop_front();
    --ready_;
    releaseSlotInput(slot);
    freeSlots_.push_back(idx);
  };
  uint64_t stamp = slot.frameNumber;
  NV_ENC_PIC_TYPE type = NV_ENC_PIC_TYPE_UNKNOWN;
  bool parameterSets = false;
  try {
    TraceRange trace("nvenc:lock-bitstream");
    LockedBitstream locked(*fns_, encoder_, slot.bitstream->get(), sliceOffsets_.data());
    packet.slices = locked.params().numSlices;
    // The packet's one copy out of NVENC's buffer: straight into a JS Buffer when the caller
    // gave PacketMemory (synchronous calls), else into Packet::data (the worker thread's calls,
    // copied once more into a JS Buffer when they settle on the JS thread).
    if (memory_) {
      uint8_t* target = memory_->allocate(locked.size(), packet.memory);
      if (locked.size()) std::memcpy(target, locked.data(), locked.size());
    } else {
      packet.data.assign(locked.data(), locked.data() + locked.size());
    }
    type = locked.params().pictureType;
    parameterSets = type == NV_ENC_PIC_TYPE_I && carriesParameterSets(locked.data(), locked.size(), options_.codec);
    packet.frameIndex = locked.params().frameIdx;
    stamp = locked.params().outputTimeStamp;
  } catch (...) {
    retire();
    // After a failed lock the buffer's state in the driver is unknown (it may still hold the
    // picture, and the driver then refuses it for the next one): give the slot a fresh buffer.
    try {
      slot.bitstream = std::make_unique<BitstreamBuffer>(*fns_, encoder_);
    } catch (...) {
      // Keep the old buffer; its next use reports the driver's own error.
    }
    throw;
  }
  retire();
  auto it = pending_.find(stamp);
  if (it == pending_.end()) it = pending_.find(slot.frameNumber);
  if (it != pending_.end()) {
    packet.seq = it->second.seq;
    packet.timestamp = it->second.timestamp;
    pending_.erase(it);
  }
  packet.pictureType = pictureTypeName(type);
  packet.keyframe =
      type == NV_ENC_PIC_TYPE_IDR || (type == NV_ENC_PIC_TYPE_I && (options_.codec == Codec::Av1 || parameterSets));
  return packet;
}

void EncodeSession::drain(std::vector<Packet>& out) {
  TraceRange trace("nvenc:drain");
  NV_ENC_PIC_PARAMS eos{};
  eos.version = NV_ENC_PIC_PARAMS_VER;
  eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
  NVENCSTATUS s = fns_->nvEncEncodePicture(encoder_, &eos);
  if (s != NV_ENC_SUCCESS && s != NV_ENC_ERR_NEED_MORE_INPUT)
    throw nvencError(*fns_, encoder_, s, "nvEncEncodePicture (EOS)", "encode");
  ready_ = inFlight_.size();
  collect(out, 0);
  // After end of stream a decoder may start anywhere: begin the next stream with an IDR.
  forceIdrNext_ = true;
}

std::vector<Packet> EncodeSession::flush(PacketMemory* memory) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  MemoryScope useMemory(memory_, memory);
  ScopedContext scope(context_->cuda(), context_->get());
  std::vector<Packet> out = takeCarried();
  drain(out);
  return out;
}

}  // namespace nvenc
