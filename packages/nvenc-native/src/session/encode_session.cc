#include "session/encode_session.h"

#include <chrono>

#include <algorithm>
#include <cstring>

#include "abi/nvenc_abi.h"
#include "session/capabilities.h"
#include "session/encode_config.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

namespace {

double microsecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// cuPointerGetAttribute attribute numbers (CUDA driver API; dynlink_cuda.h lists none of them).
constexpr int kPointerAttributeMemoryType = 2;
constexpr int kPointerAttributeRangeStart = 11;
constexpr int kPointerAttributeRangeSize = 12;
constexpr int kPointerAttributeDeviceOrdinal = 9;

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

// Points the session at a call's PacketMemory for the length of that call.
class MemoryScope {
 public:
  MemoryScope(PacketMemory*& slot, PacketMemory* memory) : slot_(slot) { slot_ = memory; }
  ~MemoryScope() { slot_ = nullptr; }
  MemoryScope(const MemoryScope&) = delete;
  MemoryScope& operator=(const MemoryScope&) = delete;

 private:
  PacketMemory*& slot_;
};

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const char* codecName(Codec c) {
  switch (c) {
    case Codec::H264: return "h264";
    case Codec::Hevc: return "hevc";
    case Codec::Av1: return "av1";
  }
  return "unknown";
}

EncodeSession::EncodeSession(const SessionOptions& options) : options_(options) {
  layout_.format = options.inputFormat;
  layout_.width = options.width;
  layout_.height = options.height;
  TraceRange trace("nvenc:open");
  validateOptions();
  driver_ = Driver::get(options.libraries);
  driver_->requireUsable();
  fns_ = &driver_->nvenc().functions();
  context_ =
      options.context ? CudaContext::external(driver_, options.context) : CudaContext::primary(driver_, options.gpu);
  deviceName_ = driver_->deviceName(context_->ordinal());
  try {
    ScopedContext scope(context_->cuda(), context_->get());
    openSession();
    // Capabilities are asked before they are used; the configuration starts from the preset.
    SessionCapabilities(*fns_, encoder_).check(options_, layout_, deviceName_);
    config_ = buildEncodeConfig(*fns_, encoder_, options_, layout_);
    initialize();
    allocateSlots();
  } catch (...) {
    close();
    throw;
  }
}

EncodeSession::~EncodeSession() { close(); }

// Combinations no driver accepts are refused before anything is opened.
void EncodeSession::validateOptions() const {
  auto invalid = [](const std::string& what) { return NativeError("INVALID_OPTION", what, 0, "configure"); };
  const Codec codec = options_.codec;
  const Profile profile = options_.profile;
  if (options_.width == 0 || options_.height == 0) throw invalid("width and height must be positive");
  if (!layout_.rgb() && ((options_.width | options_.height) & 1))
    throw invalid(std::string("width and height must be even for ") + inputFormatName(layout_.format) + " input");
  if (profile == Profile::Baseline && codec != Codec::H264) throw invalid("profile 'baseline' exists only for h264");
  if (profile == Profile::Baseline && options_.bFrames > 0)
    throw invalid("profile 'baseline' has no B-frames; set bFrames to 0");
  if (profile == Profile::High && codec != Codec::H264) throw invalid("profile 'high' exists only for h264");
  if (profile == Profile::High444 && codec == Codec::Av1)
    throw invalid("profile 'high444' does not exist for av1 (NVENC AV1 is 4:2:0 only)");
  if (profile == Profile::Main10 && codec != Codec::Hevc) throw invalid("profile 'main10' exists only for hevc");
  if (layout_.chroma444() && codec == Codec::Av1)
    throw invalid("NVENC AV1 encodes 4:2:0 only; use nv12, p010 or RGB input");
  if (layout_.tenBit() && codec == Codec::H264)
    throw invalid("h264 has no 10-bit NVENC profile; use hevc or av1 for p010");
  if (options_.zeroReorderDelay && options_.bFrames > 0)
    throw invalid("zeroReorderDelay needs bFrames 0 (B-frames reorder pictures)");
  if (options_.fpsNum == 0 || options_.fpsDen == 0) throw invalid("fpsNum and fpsDen must be positive");
}

// ---- phase: open ------------------------------------------------------------------------------

void EncodeSession::openSession() {
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS params{};
  params.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  params.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  params.device = context_->get();
  params.apiVersion = NVENCAPI_VERSION;
  void* encoder = nullptr;
  driver_->nvenc().reassertVersion();
  NVENCSTATUS s = fns_->nvEncOpenEncodeSessionEx(&params, &encoder);
  if (s == NV_ENC_SUCCESS) {
    encoder_ = encoder;
    return;
  }
  // A failed open may still hand back a handle that must be destroyed.
  if (encoder) fns_->nvEncDestroyEncoder(encoder);
  std::string name = nvencStatusName(s);
  if (s == NV_ENC_ERR_NO_ENCODE_DEVICE)
    throw NativeError(name, deviceName_ + " has no NVENC engine (" + name + ")", s, "open");
  // What NVIDIA's driver answers on compute GPUs without NVENC (measured on an H100, driver 580).
  if (s == NV_ENC_ERR_UNSUPPORTED_DEVICE)
    throw NativeError(name, deviceName_ + " has no NVENC engine the driver can use (" + name + ")", s, "open");
  if (s == NV_ENC_ERR_OUT_OF_MEMORY || s == NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY)
    throw NativeError(name,
                      "Could not open an NVENC session on " + deviceName_ +
                          ": the driver's limit of concurrent encode sessions is reached (consumer GPUs allow "
                          "only a few) or the GPU is out of memory; close other encoders and retry (" +
                          name + ")",
                      s, "open");
  throw nvencError(*fns_, nullptr, s, "nvEncOpenEncodeSessionEx on " + deviceName_, "open");
}

// ---- phase: capabilities, asked before they are used ------------------------------------------

// ---- phase: initialise ------------------------------------------------------------------------

void EncodeSession::initialize() {
  init_.version = NV_ENC_INITIALIZE_PARAMS_VER;
  init_.encodeGUID = codecGuid(options_.codec);
  init_.presetGUID = presetGuid(options_.preset);
  init_.tuningInfo = options_.tuning;
  init_.encodeWidth = options_.width;
  init_.encodeHeight = options_.height;
  init_.darWidth = options_.width;
  init_.darHeight = options_.height;
  init_.frameRateNum = options_.fpsNum;
  init_.frameRateDen = options_.fpsDen;
  init_.enablePTD = 1;
  init_.enableEncodeAsync = 0;  // Linux NVENC is synchronous only
  init_.encodeConfig = &config_;
  // Room for reconfigure() to change resolution without a new session: up to 4096 (or the
  // hardware maximum when smaller), never below the initial size.
  SessionCapabilities caps(*fns_, encoder_);
  int wMax = caps.get(options_.codec, NV_ENC_CAPS_WIDTH_MAX), hMax = caps.get(options_.codec, NV_ENC_CAPS_HEIGHT_MAX);
  init_.maxEncodeWidth = std::max<uint32_t>(options_.width, wMax > 0 ? std::min(4096, wMax) : options_.width);
  init_.maxEncodeHeight = std::max<uint32_t>(options_.height, hMax > 0 ? std::min(4096, hMax) : options_.height);
  init_.enableWeightedPrediction = options_.weightedPrediction ? 1 : 0;
  init_.reportSliceOffsets = 1;  // Packet.slices
  checkNvenc(*fns_, encoder_, fns_->nvEncInitializeEncoder(encoder_, &init_), "nvEncInitializeEncoder", "initialize");
  if (options_.hasCudaStream) {
    // NVENC takes pointers to the CUstream handles and waits for the input stream's work before
    // reading a frame: a renderer on that stream is ordered with the encode without a
    // device-wide synchronisation.
    ioStream_ = options_.cudaStream;
    checkNvenc(*fns_, encoder_, fns_->nvEncSetIOCudaStreams(encoder_, &ioStream_, &ioStream_), "nvEncSetIOCudaStreams",
               "initialize");
  }
}

// ---- phase: surfaces and bitstream buffers ----------------------------------------------------

void EncodeSession::allocateSlots() {
  TraceRange trace("nvenc:allocate");
  // One slot per frame NVENC may hold: the caller's output delay, the B-frames waiting for their
  // reference, the frame being encoded, and one spare so a new frame never waits for a lock.
  size_t count = options_.extraOutputDelay + options_.bFrames + 2;
  if (config_.rcParams.enableLookahead) count += config_.rcParams.lookaheadDepth;
  // Sized for the largest picture reconfigure() may ask for.
  sliceOffsets_.assign(((init_.maxEncodeWidth + 15) / 16) * ((init_.maxEncodeHeight + 15) / 16) + 1, 0);
  slots_.resize(count);
  for (size_t i = 0; i < count; ++i) {
    slots_[i].bitstream = std::make_unique<BitstreamBuffer>(*fns_, encoder_);
    freeSlots_.push_back(count - 1 - i);
  }
  // Non-blocking (CU_STREAM_NON_BLOCKING): a blocking stream synchronises with the legacy default
  // stream, so every session's copies in one context would wait for each other's.
  checkCuda(context_->cuda(), context_->cuda().cuStreamCreate(&stream_, 0x1), "cuStreamCreate", "allocate");
}

void EncodeSession::destroySlots() {
  for (size_t idx : inFlight_) releaseSlotInput(slots_[idx]);
  inFlight_.clear();
  ready_ = 0;
  slots_.clear();  // each slot: bitstream buffer, then registration, then surface
  freeSlots_.clear();
  pending_.clear();
}

// ---- phase: send a frame ----------------------------------------------------------------------

void EncodeSession::requireOpen() const {
  if (closed_) throw NativeError("ENCODER_CLOSED", "encoder is closed", 0, "encode");
}

std::vector<Packet> EncodeSession::takeCarried() {
  std::vector<Packet> out;
  out.swap(carried_);
  return out;
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

void EncodeSession::validateDevicePointer(CUdeviceptr ptr, size_t pitch) {
  const size_t rowBytes = layout_.rowBytes();
  if (ptr == 0) throw NativeError("INVALID_FRAME", "devicePtr is 0 (a null CUDA pointer)", 0, "input");
  if (pitch < rowBytes)
    throw NativeError("INVALID_FRAME",
                      "pitch " + std::to_string(pitch) + " is smaller than one row of a " + layout_.describe() +
                          " frame (" + std::to_string(rowBytes) + " bytes)",
                      0, "input");
  const CudaApi& cuda = context_->cuda();
  unsigned int memoryType = 0;
  CUresult r = cuda.cuPointerGetAttribute(&memoryType, kPointerAttributeMemoryType, ptr);
  if (r != CUDA_SUCCESS || memoryType != CU_MEMORYTYPE_DEVICE)
    throw NativeError("INVALID_FRAME",
                      "devicePtr " + hex(ptr) + " is not CUDA device memory" +
                          (r != CUDA_SUCCESS ? " (cuPointerGetAttribute: " + cuda.errorName(r) + ")" : ""),
                      0, "input");
  // Unified addressing lets CUDA copy from another GPU's memory, so a pointer of the wrong GPU
  // would "work" through a slow peer copy (or fail inside NVENC): refuse it by name. Drivers that
  // cannot tell the ordinal skip the check.
  int ordinal = -1;
  if (cuda.cuPointerGetAttribute(&ordinal, kPointerAttributeDeviceOrdinal, ptr) == CUDA_SUCCESS && ordinal >= 0 &&
      ordinal != context_->ordinal())
    throw NativeError("INVALID_FRAME",
                      "devicePtr " + hex(ptr) + " is memory of GPU " + std::to_string(ordinal) +
                          ", but this encoder runs on GPU " + std::to_string(context_->ordinal()) + " (" + deviceName_ +
                          "): allocate the frame on the encoder's GPU (device: { gpu: " + std::to_string(ordinal) +
                          " } encodes that GPU's memory)",
                      0, "input");
  CUdeviceptr start = 0;
  size_t size = 0;
  if (cuda.cuPointerGetAttribute(&start, kPointerAttributeRangeStart, ptr) == CUDA_SUCCESS &&
      cuda.cuPointerGetAttribute(&size, kPointerAttributeRangeSize, ptr) == CUDA_SUCCESS && size > 0) {
    const size_t need = layout_.bytes(pitch);
    if (ptr + need > start + size)
      throw NativeError("INVALID_FRAME",
                        "a " + layout_.describe() + " frame with pitch " + std::to_string(pitch) + " needs " +
                            std::to_string(need) + " bytes from devicePtr " + hex(ptr) + ", but its allocation ends " +
                            std::to_string(start + size - ptr) + " bytes after it",
                        0, "input");
  }
}

std::vector<Packet> EncodeSession::encodeDevice(CUdeviceptr ptr, size_t pitch, const FrameMeta& meta,
                                                PacketMemory* memory) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  MemoryScope useMemory(memory_, memory);
  TraceRange trace("nvenc:encode-device");
  ScopedContext scope(context_->cuda(), context_->get());
  RegistrationKey key{ptr, pitch, static_cast<int>(layout_.format), layout_.width, layout_.height};
  auto it = registrations_.find(key);
  if (it == registrations_.end()) {
    // Checked once, when registered: a cached registration stands for memory that passed these
    // checks, and the contract (releaseDeviceFrame before freeing) keeps it valid. Three
    // cuPointerGetAttribute calls per frame bought nothing after the first frame.
    validateDevicePointer(ptr, pitch);
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
  if (meta.hasQp) {
    const NV_ENC_QP& now = config_.rcParams.constQP;
    if (now.qpInterP != meta.qp || now.qpInterB != meta.qp || now.qpIntra != meta.qp) {
      ReconfigureRequest change;
      change.hasQp = true;
      change.qp = meta.qp;
      reconfigureLocked(change);
    }
  }
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

EncodeSession::StageTimings EncodeSession::lastTimings() {
  std::lock_guard<std::mutex> lock(mutex_);
  return timings_;
}

// ---- phase: receive packets -------------------------------------------------------------------

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

// ---- reconfigure, queries ---------------------------------------------------------------------

void EncodeSession::reconfigure(const ReconfigureRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  reconfigureLocked(request);
}

void EncodeSession::reconfigureLocked(const ReconfigureRequest& request) {
  requireOpen();
  TraceRange trace("nvenc:reconfigure");
  ScopedContext scope(context_->cuda(), context_->get());
  NV_ENC_CONFIG config = config_;
  NV_ENC_INITIALIZE_PARAMS params = init_;
  params.encodeConfig = &config;
  NV_ENC_RECONFIGURE_PARAMS reconf{};
  reconf.version = NV_ENC_RECONFIGURE_PARAMS_VER;

  if (request.hasBitrate) {
    config.rcParams.averageBitRate = request.bitrate;
    if (options_.rateControl == RateControl::Cbr && !request.hasMaxBitrate)
      config.rcParams.maxBitRate = request.bitrate;
  }
  if (request.hasMaxBitrate) config.rcParams.maxBitRate = request.maxBitrate;
  if (request.hasQp) {
    if (options_.rateControl != RateControl::Cqp)
      throw NativeError("INVALID_OPTION", "qp can change only with rateControl 'cqp'", 0, "reconfigure", "qp");
    // Rate-control parameters change without resetEncoder/forceIDR: the sequence goes on.
    config.rcParams.constQP = {request.qp, request.qp, request.qp};
  }
  if (request.hasFps) {
    if (request.fpsNum == 0 || request.fpsDen == 0)
      throw NativeError("INVALID_OPTION", "fpsNum and fpsDen must be positive", 0, "reconfigure");
    params.frameRateNum = request.fpsNum;
    params.frameRateDen = request.fpsDen;
  }
  uint32_t width = request.hasWidth ? request.width : layout_.width;
  uint32_t height = request.hasHeight ? request.height : layout_.height;
  const bool resize = width != layout_.width || height != layout_.height;
  if (resize) {
    if (width == 0 || height == 0)
      throw NativeError("INVALID_OPTION", "width and height must be positive", 0, "reconfigure");
    if (!layout_.rgb() && ((width | height) & 1))
      throw NativeError("INVALID_OPTION", "4:2:0 and 4:4:4 input needs even width and height", 0, "reconfigure");
    if (width > init_.maxEncodeWidth || height > init_.maxEncodeHeight)
      throw NativeError("NV_ENC_ERR_UNSUPPORTED_PARAM",
                        "cannot change the resolution to " + std::to_string(width) + "x" + std::to_string(height) +
                            ": it exceeds the maximum of " + std::to_string(init_.maxEncodeWidth) + "x" +
                            std::to_string(init_.maxEncodeHeight) +
                            " this session was initialised for; open a new encoder",
                        NV_ENC_ERR_UNSUPPORTED_PARAM, "reconfigure");
    params.encodeWidth = params.darWidth = width;
    params.encodeHeight = params.darHeight = height;
    reconf.resetEncoder = 1;
    reconf.forceIDR = 1;
    // Frames of the old size must leave the encoder first; their packets come back with the next call.
    drain(carried_);
  }
  if (request.forceKeyframe) {
    reconf.resetEncoder = 1;
    reconf.forceIDR = 1;
  }
  reconf.reInitEncodeParams = params;
  checkNvenc(*fns_, encoder_, fns_->nvEncReconfigureEncoder(encoder_, &reconf), "nvEncReconfigureEncoder",
             "reconfigure");
  config_ = config;
  init_ = params;
  init_.encodeConfig = &config_;
  if (request.forceKeyframe) forceIdrNext_ = true;
  if (resize) {
    layout_.width = width;
    layout_.height = height;
    options_.width = width;
    options_.height = height;
    // Encoder-owned surfaces have the old size; they are idle after the drain.
    for (Slot& slot : slots_) {
      slot.registration.reset();
      slot.surface.reset();
    }
    hostUpload_.reset();
  }
}

std::vector<std::pair<std::string, int>> EncodeSession::capabilities(Codec codec) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  ScopedContext scope(context_->cuda(), context_->get());
  return SessionCapabilities(*fns_, encoder_).describe(codec);
}

std::vector<uint8_t> EncodeSession::sequenceHeaders() {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  ScopedContext scope(context_->cuda(), context_->get());
  std::vector<uint8_t> buffer(4096);
  uint32_t size = 0;
  NV_ENC_SEQUENCE_PARAM_PAYLOAD payload{};
  payload.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  payload.inBufferSize = static_cast<uint32_t>(buffer.size());
  payload.spsppsBuffer = buffer.data();
  payload.outSPSPPSPayloadSize = &size;
  checkNvenc(*fns_, encoder_, fns_->nvEncGetSequenceParams(encoder_, &payload), "nvEncGetSequenceParams", "output");
  buffer.resize(std::min<size_t>(size, buffer.size()));
  return buffer;
}

std::unique_ptr<PinnedHostBuffer> EncodeSession::allocateHostFrame() {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  return std::make_unique<PinnedHostBuffer>(context_, layout_.bytes(layout_.rowBytes()));
}

uint32_t EncodeSession::invalidateReferences(const std::vector<double>& timestamps) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  SessionCapabilities caps(*fns_, encoder_);
  if (!timestamps.empty() && caps.get(options_.codec, NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION) <= 0) {
    NativeError e("CAPABILITY_UNSUPPORTED",
                  deviceName_ + " does not support reference picture invalidation for " + codecName(options_.codec) +
                      " (supportRefPicInvalidation = 0)",
                  NV_ENC_ERR_UNSUPPORTED_PARAM, "encode", "invalidateReferences");
    throw e.withCapability("supportRefPicInvalidation");
  }
  ScopedContext scope(context_->cuda(), context_->get());
  uint32_t found = 0;
  for (double t : timestamps) {
    for (const auto& [timestamp, number] : recent_) {
      if (timestamp != t) continue;
      checkNvenc(*fns_, encoder_, fns_->nvEncInvalidateRefFrames(encoder_, number), "nvEncInvalidateRefFrames",
                 "encode");
      ++found;
      break;
    }
  }
  return found;
}

bool EncodeSession::releaseDevicePointer(CUdeviceptr ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return false;
  ScopedContext scope(context_->cuda(), context_->get());
  bool released = false;
  for (auto it = registrations_.begin(); it != registrations_.end();) {
    if (std::get<0>(it->first) != ptr) {
      ++it;
      continue;
    }
    // Still read by a frame in flight: finish those frames first (packets return with the next call).
    if (it->second->mapped()) drain(carried_);
    it = registrations_.erase(it);
    released = true;
  }
  return released;
}

SessionInfo EncodeSession::info() {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  SessionInfo i;
  i.device = deviceName_;
  i.software = driver_->nvenc().isSoftware();
  i.width = layout_.width;
  i.height = layout_.height;
  i.codec = options_.codec;
  i.inputFormat = layout_.format;
  i.pitch = layout_.rowBytes();
  i.frameBytes = layout_.bytes(i.pitch);
  i.registeredResources = registrations_.size();
  i.hostUpload = hostUpload_ ? hostUpload_->pageableMethod() : options_.hostUpload;
  return i;
}

// ---- teardown, in reverse -----------------------------------------------------------------------

bool EncodeSession::closed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void EncodeSession::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  closed_ = true;
  TraceRange trace("nvenc:close");
  if (!context_) return;
  const CudaApi& cuda = context_->cuda();
  bool pushed = cuda.cuCtxPushCurrent(context_->get()) == CUDA_SUCCESS;
  if (encoder_) {
    if (pushed && !inFlight_.empty()) {
      try {
        std::vector<Packet> discard;
        drain(discard);
      } catch (...) {
        // The session is going away; frames it could not finish are dropped.
      }
    }
    if (pushed) {
      destroySlots();
      registrations_.clear();
      hostUpload_.reset();
    } else {
      // Without the context the CUDA frees would fail or hit another context: leak, don't crash.
      for (Slot& slot : slots_) {
        (void)slot.bitstream.release();
        (void)slot.registration.release();
        (void)slot.surface.release();
      }
      for (auto& entry : registrations_) (void)entry.second.release();
      (void)hostUpload_.release();
      slots_.clear();
      registrations_.clear();
    }
    fns_->nvEncDestroyEncoder(encoder_);
    encoder_ = nullptr;
  }
  if (stream_ && pushed) cuda.cuStreamDestroy(stream_);
  stream_ = nullptr;
  if (pushed) {
    CUcontext popped = nullptr;
    cuda.cuCtxPopCurrent(&popped);
  }
  carried_.clear();
  context_.reset();  // releases the primary context unless pinned frames still hold it
}

}  // namespace nvenc
