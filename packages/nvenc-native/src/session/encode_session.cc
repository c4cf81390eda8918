// EncodeSession (encode_session.h): open → capabilities → configuration → initialise → slots,
// the queries, and teardown. The per-frame phases have files of their own: send_frame.cc,
// receive_packets.cc, reconfigure.cc.
#include "session/encode_session.h"

#include <algorithm>

#include "session/capabilities.h"
#include "session/encode_config.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

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

EncodeSession::StageTimings EncodeSession::lastTimings() {
  std::lock_guard<std::mutex> lock(mutex_);
  return timings_;
}

// ---- queries -----------------------------------------------------------------------------------

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
