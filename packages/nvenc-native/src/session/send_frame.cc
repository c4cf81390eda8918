// EncodeSession (encode_session.h), phase: send a frame. The caller's picture becomes an NVENC
// input (a host frame copied into an encoder-owned surface, or the caller's device memory
// registered once) in a free slot, and nvEncEncodePicture gets it with its per-picture
// parameters; the packets NVENC has finished come back from the same call.
#include <chrono>

#include "abi/nvenc_abi.h"
#include "session/device_pointer_check.h"
#include "session/encode_session.h"
#include "session/packet_memory_scope.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

namespace {

double microsecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// A per-frame QP is a reconfigure of the session's constant QP. It runs before the frame takes a
// slot or maps its input, so a refused change leaves the session as it was and loses no packet.
void EncodeSession::applyFrameQp(const FrameMeta& meta) {
  if (!meta.hasQp) return;
  const NV_ENC_QP& now = config_.rcParams.constQP;
  if (now.qpInterP == meta.qp && now.qpInterB == meta.qp && now.qpIntra == meta.qp) return;
  ReconfigureRequest change;
  change.hasQp = true;
  change.qp = meta.qp;
  reconfigureLocked(change);
}

std::vector<Packet> EncodeSession::encodeHost(const uint8_t* data, size_t bytes, size_t pitch, const FrameMeta& meta,
                                              PacketMemory* memory) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  MemoryScope useMemory(memory_, memory);
  TraceRange trace("nvenc:encode-host");
  const size_t rowBytes = layout_.rowBytes();
  if (pitch == 0) pitch = rowBytes;
  if (pitch < rowBytes)
    throw NativeError("INVALID_FRAME",
                      "pitch " + std::to_string(pitch) + " is smaller than one row of a " + layout_.describe() +
                          " frame (" + std::to_string(rowBytes) + " bytes)",
                      0, "input");
  const size_t need = layout_.bytes(pitch);
  if (!data || bytes < need)
    throw NativeError("INVALID_FRAME",
                      "expected at least " + std::to_string(need) + " bytes for " + layout_.describe() +
                          " with pitch " + std::to_string(pitch) + ", got " + std::to_string(bytes),
                      0, "input");

  ScopedContext scope(context_->cuda(), context_->get());
  applyFrameQp(meta);
  timings_ = StageTimings{};
  std::vector<Packet> out = takeCarried();
  size_t idx = acquireSlot(out);
  Slot& slot = slots_[idx];
  NV_ENC_INPUT_PTR input = nullptr;
  try {
    // Separately: a failed registration leaves a surface without one, to be retried next time.
    if (!slot.surface) slot.surface = std::make_unique<DeviceFrame>(*context_, layout_);
    if (!slot.registration)
      slot.registration =
          std::make_unique<RegisteredResource>(*fns_, encoder_, slot.surface->ptr(), slot.surface->pitch(), layout_);
    // Pinned frames (from allocateHostFrame) go straight to the copy engine; pageable Buffers
    // take the direct or the staged path (host_upload.h). Registering a pageable Buffer in
    // place per frame is no option: on an H100, cuMemHostRegister + unregister of one 1080p
    // BGRA frame alone took 737 us against 726 us for the pageable copy (test/gpu/upload-strategy.py).
    bool pinned = PinnedHostBuffer::isPinned(data, need, context_->get());
    if (!hostUpload_) hostUpload_ = std::make_unique<HostFrameUpload>(*context_, layout_, options_.hostUpload);
    {
      TraceRange upload(pinned ? "nvenc:upload-pinned" : "nvenc:upload-pageable");
      auto t0 = std::chrono::steady_clock::now();
      hostUpload_->upload(data, pitch, pinned, *slot.surface, stream_);
      timings_.uploadUs = microsecondsSince(t0);
    }
    input = slot.registration->map();
    slot.input = slot.registration.get();
  } catch (...) {
    freeSlots_.push_back(idx);
    throw;
  }
  std::vector<Packet> more = submit(idx, input, slot.surface->pitch(), meta);
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  return out;
}

std::vector<Packet> EncodeSession::encodeDevice(CUdeviceptr ptr, size_t pitch, const FrameMeta& meta,
                                                PacketMemory* memory) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  MemoryScope useMemory(memory_, memory);
  TraceRange trace("nvenc:encode-device");
  ScopedContext scope(context_->cuda(), context_->get());
  applyFrameQp(meta);
  RegistrationKey key{ptr, pitch, static_cast<int>(layout_.format), layout_.width, layout_.height};
  auto it = registrations_.find(key);
  if (it == registrations_.end()) {
    // Checked once, when registered: a cached registration stands for memory that passed these
    // checks, and the contract (releaseDeviceFrame before freeing) keeps it valid. Three
    // cuPointerGetAttribute calls per frame bought nothing after the first frame.
    checkDevicePointer(*context_, layout_, deviceName_, ptr, pitch);
    TraceRange reg("nvenc:register");
    auto resource = std::make_unique<RegisteredResource>(*fns_, encoder_, ptr, pitch, layout_);
    it = registrations_.emplace(key, std::move(resource)).first;
  }
  timings_ = StageTimings{};
  std::vector<Packet> out = takeCarried();
  size_t idx = acquireSlot(out);
  NV_ENC_INPUT_PTR input = nullptr;
  try {
    input = it->second->map();
  } catch (...) {
    freeSlots_.push_back(idx);
    throw;
  }
  slots_[idx].input = it->second.get();
  std::vector<Packet> more = submit(idx, input, pitch, meta);
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  return out;
}

size_t EncodeSession::acquireSlot(std::vector<Packet>& out) {
  if (freeSlots_.empty() && ready_ > 0) out.push_back(readSlot(inFlight_.front()));
  if (freeSlots_.empty()) {
    // NVENC holds more frames than the ring planned for (deeper lookahead than the preset said):
    // grow instead of failing.
    slots_.emplace_back();
    slots_.back().bitstream = std::make_unique<BitstreamBuffer>(*fns_, encoder_);
    freeSlots_.push_back(slots_.size() - 1);
  }
  size_t idx = freeSlots_.back();
  freeSlots_.pop_back();
  return idx;
}

std::vector<Packet> EncodeSession::submit(size_t idx, NV_ENC_INPUT_PTR input, size_t pitch, const FrameMeta& meta) {
  Slot& slot = slots_[idx];
  const uint64_t number = frameNumber_++;
  slot.frameNumber = number;
  pending_[number] = {meta.hasSeq ? meta.seq : double(number), meta.hasTimestamp ? meta.timestamp : double(number)};

  NV_ENC_PIC_PARAMS pic{};
  pic.version = NV_ENC_PIC_PARAMS_VER;
  pic.inputWidth = layout_.width;
  pic.inputHeight = layout_.height;
  pic.inputPitch = static_cast<uint32_t>(pitch);
  pic.inputBuffer = input;
  pic.outputBitstream = slot.bitstream->get();
  pic.bufferFmt = layout_.bufferFormat();
  pic.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  // The frame number travels through NVENC as the timestamp and comes back with the packet, so
  // each packet finds its own seq/timestamp even when B-frames reorder the output.
  pic.inputTimeStamp = number;
  pic.frameIdx = static_cast<uint32_t>(number);
  if (meta.forceKeyframe || forceIdrNext_)
    pic.encodePicFlags |= NV_ENC_PIC_FLAG_FORCEIDR | NV_ENC_PIC_FLAG_OUTPUT_SPSPPS;
  if (!meta.qpMap.empty()) {
    // options.ts checked the length (one value per macroblock) and range against the options.
    pic.qpDeltaMap = const_cast<int8_t*>(meta.qpMap.data());
    pic.qpDeltaMapSize = static_cast<uint32_t>(meta.qpMap.size());
  }
  auto perPicture = [&](auto& codecPic) {
    codecPic.forceIntraRefreshWithFrameCnt = meta.startIntraRefresh;
    if (meta.ltrMark) {
      codecPic.ltrMarkFrame = 1;
      codecPic.ltrMarkFrameIdx = meta.ltrMarkSlot;
    }
    if (meta.ltrUseBitmap) {
      codecPic.ltrUseFrames = 1;
      codecPic.ltrUseFrameBitmap = meta.ltrUseBitmap;
    }
  };
  if (options_.codec == Codec::H264)
    perPicture(pic.codecPicParams.h264PicParams);
  else if (options_.codec == Codec::Hevc)
    perPicture(pic.codecPicParams.hevcPicParams);

  std::vector<NV_ENC_SEI_PAYLOAD> sei(meta.sei.size());
  for (size_t i = 0; i < sei.size(); ++i) {
    sei[i].payloadSize = static_cast<uint32_t>(meta.sei[i].payload.size());
    sei[i].payloadType = meta.sei[i].type;
    sei[i].payload = const_cast<uint8_t*>(meta.sei[i].payload.data());
  }
  auto failBeforeSubmit = [&](const NativeError& e) {
    releaseSlotInput(slot);
    freeSlots_.push_back(idx);
    pending_.erase(number);
    throw e;
  };
  if (!sei.empty()) {
    uint32_t n = static_cast<uint32_t>(sei.size());
    if (options_.codec == Codec::H264) {
      pic.codecPicParams.h264PicParams.seiPayloadArray = sei.data();
      pic.codecPicParams.h264PicParams.seiPayloadArrayCnt = n;
    } else if (options_.codec == Codec::Hevc) {
      pic.codecPicParams.hevcPicParams.seiPayloadArray = sei.data();
      pic.codecPicParams.hevcPicParams.seiPayloadArrayCnt = n;
    } else if (!abi::setAv1MetadataObus(pic, sei.data(), n)) {
      failBeforeSubmit(NativeError("INVALID_OPTION", "AV1 metadata OBUs need NVENC API 12.0 or newer", 0, "encode"));
    }
  }

  inFlight_.push_back(idx);
  NVENCSTATUS s;
  {
    TraceRange trace("nvenc:encode-picture");
    auto t0 = std::chrono::steady_clock::now();
    s = fns_->nvEncEncodePicture(encoder_, &pic);
    timings_.submitUs = microsecondsSince(t0);
  }
  if (s == NV_ENC_SUCCESS) {
    ready_ = inFlight_.size();  // every frame submitted so far now has its output
  } else if (s != NV_ENC_ERR_NEED_MORE_INPUT) {
    inFlight_.pop_back();
    failBeforeSubmit(nvencError(*fns_, encoder_, s, "nvEncEncodePicture", "encode"));
  }
  forceIdrNext_ = false;
  recent_.emplace_back(meta.hasTimestamp ? meta.timestamp : double(number), number);
  if (recent_.size() > kRecentPictures) recent_.pop_front();
  std::vector<Packet> out;
  auto t0 = std::chrono::steady_clock::now();
  // With lookahead NVENC needs that many later pictures before it can finish one.
  collect(out, options_.extraOutputDelay + options_.lookahead);
  timings_.waitUs = microsecondsSince(t0);
  return out;
}

}  // namespace nvenc
