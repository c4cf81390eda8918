#include "session/encode_session.h"

#include <chrono>

#include <algorithm>
#include <cstring>

#include "abi/nvenc_abi.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

namespace {
double microsecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

namespace {

// cuPointerGetAttribute attribute numbers (CUDA driver API; dynlink_cuda.h lists none of them).
constexpr int kPointerAttributeMemoryType = 2;
constexpr int kPointerAttributeRangeStart = 11;
constexpr int kPointerAttributeRangeSize = 12;

bool sameGuid(const GUID& a, const GUID& b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }

GUID presetGuid(int preset) {
  switch (preset) {
    case 1: return NV_ENC_PRESET_P1_GUID;
    case 2: return NV_ENC_PRESET_P2_GUID;
    case 3: return NV_ENC_PRESET_P3_GUID;
    case 5: return NV_ENC_PRESET_P5_GUID;
    case 6: return NV_ENC_PRESET_P6_GUID;
    case 7: return NV_ENC_PRESET_P7_GUID;
    default: return NV_ENC_PRESET_P4_GUID;
  }
}

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
bool carriesParameterSets(const std::vector<uint8_t>& au, Codec codec) {
  for (size_t i = 0; i + 3 < au.size(); ++i) {
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

template <typename Vui>
void fillVui(Vui& vui, const ColourDescription& colour, bool bitstreamRestriction) {
  if (colour.present) {
    vui.videoSignalTypePresentFlag = 1;
    abi::assign(vui.videoFormat, 5);  // unspecified
    vui.videoFullRangeFlag = colour.fullRange ? 1 : 0;
    vui.colourDescriptionPresentFlag = 1;
    abi::assign(vui.colourPrimaries, colour.primaries);
    abi::assign(vui.transferCharacteristics, colour.transfer);
    abi::assign(vui.colourMatrix, colour.matrix);
  }
  // Browsers' hardware decoders hold frames back unless the VUI says none are reordered.
  if (bitstreamRestriction) vui.bitstreamRestrictionFlag = 1;
}

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
  context_ = options.context ? CudaContext::external(driver_, options.context)
                             : CudaContext::primary(driver_, options.gpu);
  deviceName_ = driver_->deviceName(context_->ordinal());
  try {
    ScopedContext scope(context_->cuda(), context_->get());
    openSession();
    checkCapabilities();
    configure();
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
  if (layout_.chroma444() && codec == Codec::Av1) throw invalid("NVENC AV1 encodes 4:2:0 only; use nv12, p010 or RGB input");
  if (layout_.tenBit() && codec == Codec::H264) throw invalid("h264 has no 10-bit NVENC profile; use hevc or av1 for p010");
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

GUID EncodeSession::codecGuid(Codec codec) const {
  switch (codec) {
    case Codec::H264: return NV_ENC_CODEC_H264_GUID;
    case Codec::Hevc: return NV_ENC_CODEC_HEVC_GUID;
    case Codec::Av1: return abi::av1CodecGuid();
  }
  return GUID{};
}

int EncodeSession::cap(const GUID& guid, NV_ENC_CAPS which) {
  NV_ENC_CAPS_PARAM param{};
  param.version = NV_ENC_CAPS_PARAM_VER;
  param.capsToQuery = which;
  int value = 0;
  NVENCSTATUS s = fns_->nvEncGetEncodeCaps(encoder_, guid, &param, &value);
  return s == NV_ENC_SUCCESS ? value : -1;
}

void EncodeSession::checkCapabilities() {
  const char* codec = codecName(options_.codec);
  auto unsupported = [&](const std::string& what) {
    return NativeError("NV_ENC_ERR_UNSUPPORTED_PARAM", what, NV_ENC_ERR_UNSUPPORTED_PARAM, "caps");
  };
  if (options_.codec == Codec::Av1 && !abi::kHasAv1)
    throw unsupported("AV1 encoding needs NVENC API 12.0 or newer; this binary is built for NVENC API " +
                      compiledApiVersion().str());

  uint32_t count = 0;
  checkNvenc(*fns_, encoder_, fns_->nvEncGetEncodeGUIDCount(encoder_, &count), "nvEncGetEncodeGUIDCount", "caps");
  std::vector<GUID> guids(count);
  uint32_t got = 0;
  if (count)
    checkNvenc(*fns_, encoder_, fns_->nvEncGetEncodeGUIDs(encoder_, guids.data(), count, &got), "nvEncGetEncodeGUIDs",
               "caps");
  guids.resize(got);
  codecGuid_ = codecGuid(options_.codec);
  bool found = std::any_of(guids.begin(), guids.end(), [&](const GUID& g) { return sameGuid(g, codecGuid_); });
  if (!found) {
    std::string list;
    for (Codec c : {Codec::H264, Codec::Hevc, Codec::Av1}) {
      GUID g = codecGuid(c);
      if (std::any_of(guids.begin(), guids.end(), [&](const GUID& x) { return sameGuid(x, g); }))
        list += (list.empty() ? "" : ", ") + std::string(codecName(c));
    }
    throw unsupported(deviceName_ + " cannot encode " + codec + " (it supports: " + (list.empty() ? "none" : list) +
                      ")");
  }

  auto limit = [&](NV_ENC_CAPS which, uint32_t value, const char* what, bool isMax) {
    int v = cap(codecGuid_, which);
    if (v <= 0) return;  // unknown to this driver
    if (isMax ? value > uint32_t(v) : value < uint32_t(v))
      throw unsupported(std::string(what) + " " + std::to_string(value) + (isMax ? " exceeds the maximum of " : " is below the minimum of ") +
                        std::to_string(v) + " for " + codec + " on " + deviceName_);
  };
  limit(NV_ENC_CAPS_WIDTH_MAX, options_.width, "width", true);
  limit(NV_ENC_CAPS_HEIGHT_MAX, options_.height, "height", true);
  limit(NV_ENC_CAPS_WIDTH_MIN, options_.width, "width", false);
  limit(NV_ENC_CAPS_HEIGHT_MIN, options_.height, "height", false);
  if (options_.bFrames > 0) {
    int maxB = cap(codecGuid_, NV_ENC_CAPS_NUM_MAX_BFRAMES);
    if (maxB >= 0 && options_.bFrames > uint32_t(maxB))
      throw unsupported("bFrames " + std::to_string(options_.bFrames) + " exceeds the maximum of " +
                        std::to_string(maxB) + " for " + codec + " on " + deviceName_);
  }
  auto need = [&](NV_ENC_CAPS which, const char* what) {
    if (cap(codecGuid_, which) <= 0)
      throw unsupported(deviceName_ + " does not support " + what + " for " + codec);
  };
  if (layout_.tenBit() || options_.profile == Profile::Main10) need(NV_ENC_CAPS_SUPPORT_10BIT_ENCODE, "10-bit encoding");
  if (options_.tuning == NV_ENC_TUNING_INFO_LOSSLESS) need(NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE, "lossless encoding");
  if (layout_.chroma444() || options_.profile == Profile::High444)
    need(NV_ENC_CAPS_SUPPORT_YUV444_ENCODE, "4:4:4 encoding");
}

// ---- phase: preset and configuration ----------------------------------------------------------

void EncodeSession::configure() {
  TraceRange trace("nvenc:configure");
  NV_ENC_PRESET_CONFIG preset{};
  preset.version = NV_ENC_PRESET_CONFIG_VER;
  preset.presetCfg.version = NV_ENC_CONFIG_VER;
  checkNvenc(*fns_, encoder_,
             fns_->nvEncGetEncodePresetConfigEx(encoder_, codecGuid_, presetGuid(options_.preset), options_.tuning, &preset),
             "nvEncGetEncodePresetConfigEx", "configure");
  config_ = preset.presetCfg;
  config_.version = NV_ENC_CONFIG_VER;

  const Codec codec = options_.codec;
  switch (options_.profile) {
    case Profile::Auto:
      config_.profileGUID = NV_ENC_CODEC_PROFILE_AUTOSELECT_GUID;
      if (codec == Codec::H264 && layout_.chroma444()) config_.profileGUID = NV_ENC_H264_PROFILE_HIGH_444_GUID;
      if (codec == Codec::Hevc && layout_.tenBit()) config_.profileGUID = NV_ENC_HEVC_PROFILE_MAIN10_GUID;
      if (codec == Codec::Hevc && layout_.chroma444()) config_.profileGUID = NV_ENC_HEVC_PROFILE_FREXT_GUID;
      if (codec == Codec::Av1) config_.profileGUID = abi::av1MainProfileGuid();
      break;
    case Profile::Baseline:
      config_.profileGUID = NV_ENC_H264_PROFILE_BASELINE_GUID;
      break;
    case Profile::Main:
      if (codec == Codec::H264) config_.profileGUID = NV_ENC_H264_PROFILE_MAIN_GUID;
      else if (codec == Codec::Hevc) config_.profileGUID = NV_ENC_HEVC_PROFILE_MAIN_GUID;
      else config_.profileGUID = abi::av1MainProfileGuid();
      break;
    case Profile::High:
      config_.profileGUID = NV_ENC_H264_PROFILE_HIGH_GUID;
      break;
    case Profile::High444:
      if (codec == Codec::H264) config_.profileGUID = NV_ENC_H264_PROFILE_HIGH_444_GUID;
      else config_.profileGUID = NV_ENC_HEVC_PROFILE_FREXT_GUID;
      break;
    case Profile::Main10:
      config_.profileGUID = NV_ENC_HEVC_PROFILE_MAIN10_GUID;
      break;
  }
  config_.gopLength = options_.gop;
  config_.frameIntervalP = static_cast<int32_t>(options_.bFrames + 1);

  NV_ENC_RC_PARAMS& rc = config_.rcParams;
  if (options_.tuning == NV_ENC_TUNING_INFO_LOSSLESS) {
    rc.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
    rc.constQP = {0, 0, 0};
  } else if (options_.rateControl == RateControl::Cqp) {
    rc.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
    if (options_.hasQp) rc.constQP = {options_.qpP, options_.qpB, options_.qpI};
  } else {
    rc.rateControlMode = options_.rateControl == RateControl::Cbr ? NV_ENC_PARAMS_RC_CBR : NV_ENC_PARAMS_RC_VBR;
    if (options_.bitrate) rc.averageBitRate = options_.bitrate;
    if (options_.maxBitrate) rc.maxBitRate = options_.maxBitrate;
    else if (options_.rateControl == RateControl::Cbr && options_.bitrate) rc.maxBitRate = options_.bitrate;
    if (options_.vbvBufferSize) {
      rc.vbvBufferSize = options_.vbvBufferSize;
      rc.vbvInitialDelay = options_.vbvBufferSize;
    }
  }
  if (options_.zeroReorderDelay) rc.zeroReorderDelay = 1;

  const bool restriction = options_.zeroReorderDelay;
  if (codec == Codec::H264) {
    NV_ENC_CONFIG_H264& h = config_.encodeCodecConfig.h264Config;
    h.idrPeriod = options_.idrPeriod;
    h.repeatSPSPPS = options_.repeatSpsPps ? 1 : 0;
    h.chromaFormatIDC = layout_.chroma444() ? 3 : 1;
    // One slice per picture, said explicitly: noVNC hands each NAL unit to WebCodecs as a whole
    // picture, so multi-slice pictures break browser playback.
    h.sliceMode = 3;
    h.sliceModeData = 1;
    fillVui(h.h264VUIParameters, options_.colour, restriction);
  } else if (codec == Codec::Hevc) {
    NV_ENC_CONFIG_HEVC& h = config_.encodeCodecConfig.hevcConfig;
    h.idrPeriod = options_.idrPeriod;
    h.repeatSPSPPS = options_.repeatSpsPps ? 1 : 0;
    h.chromaFormatIDC = layout_.chroma444() ? 3 : 1;
    h.pixelBitDepthMinus8 = (layout_.tenBit() || options_.profile == Profile::Main10) ? 2 : 0;
    fillVui(h.hevcVUIParameters, options_.colour, restriction);
  } else {
    abi::Av1Settings av1;
    av1.idrPeriod = options_.idrPeriod;
    av1.repeatSequenceHeader = options_.repeatSpsPps;
    av1.tenBit = layout_.tenBit();
    av1.colourPresent = options_.colour.present;
    av1.primaries = options_.colour.primaries;
    av1.transfer = options_.colour.transfer;
    av1.matrix = options_.colour.matrix;
    av1.fullRange = options_.colour.fullRange;
    if (!abi::configureAv1(config_, av1))
      throw NativeError("INVALID_OPTION", "AV1 is not available in NVENC API " + compiledApiVersion().str(), 0,
                        "configure");
  }
}

// ---- phase: initialise ------------------------------------------------------------------------

void EncodeSession::initialize() {
  init_.version = NV_ENC_INITIALIZE_PARAMS_VER;
  init_.encodeGUID = codecGuid_;
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
  int wMax = cap(codecGuid_, NV_ENC_CAPS_WIDTH_MAX), hMax = cap(codecGuid_, NV_ENC_CAPS_HEIGHT_MAX);
  init_.maxEncodeWidth = std::max<uint32_t>(options_.width, wMax > 0 ? std::min(4096, wMax) : options_.width);
  init_.maxEncodeHeight = std::max<uint32_t>(options_.height, hMax > 0 ? std::min(4096, hMax) : options_.height);
  checkNvenc(*fns_, encoder_, fns_->nvEncInitializeEncoder(encoder_, &init_), "nvEncInitializeEncoder", "initialize");
}

// ---- phase: surfaces and bitstream buffers ----------------------------------------------------

void EncodeSession::allocateSlots() {
  TraceRange trace("nvenc:allocate");
  // One slot per frame NVENC may hold: the caller's output delay, the B-frames waiting for their
  // reference, the frame being encoded, and one spare so a new frame never waits for a lock.
  size_t count = options_.extraOutputDelay + options_.bFrames + 2;
  if (config_.rcParams.enableLookahead) count += config_.rcParams.lookaheadDepth;
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

std::vector<Packet> EncodeSession::encodeHost(const uint8_t* data, size_t bytes, size_t pitch, const FrameMeta& meta) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
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

std::vector<Packet> EncodeSession::encodeDevice(CUdeviceptr ptr, size_t pitch, const FrameMeta& meta) {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  TraceRange trace("nvenc:encode-device");
  ScopedContext scope(context_->cuda(), context_->get());
  validateDevicePointer(ptr, pitch);
  RegistrationKey key{ptr, pitch, static_cast<int>(layout_.format), layout_.width, layout_.height};
  auto it = registrations_.find(key);
  if (it == registrations_.end()) {
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
  if (meta.forceKeyframe || forceIdrNext_) pic.encodePicFlags |= NV_ENC_PIC_FLAG_FORCEIDR | NV_ENC_PIC_FLAG_OUTPUT_SPSPPS;

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
  std::vector<Packet> out;
  auto t0 = std::chrono::steady_clock::now();
  collect(out, options_.extraOutputDelay);
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
  try {
    TraceRange trace("nvenc:lock-bitstream");
    LockedBitstream locked(*fns_, encoder_, slot.bitstream->get());
    // The one copy of the packet: out of NVENC's buffer into memory JS will own.
    packet.data.assign(locked.data(), locked.data() + locked.size());
    type = locked.params().pictureType;
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
  packet.keyframe = type == NV_ENC_PIC_TYPE_IDR ||
                    (type == NV_ENC_PIC_TYPE_I &&
                     (options_.codec == Codec::Av1 || carriesParameterSets(packet.data, options_.codec)));
  return packet;
}

void EncodeSession::drain(std::vector<Packet>& out) {
  TraceRange trace("nvenc:drain");
  NV_ENC_PIC_PARAMS eos{};
  eos.version = NV_ENC_PIC_PARAMS_VER;
  eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
  NVENCSTATUS s = fns_->nvEncEncodePicture(encoder_, &eos);
  if (s != NV_ENC_SUCCESS && s != NV_ENC_ERR_NEED_MORE_INPUT) throw nvencError(*fns_, encoder_, s, "nvEncEncodePicture (EOS)", "encode");
  ready_ = inFlight_.size();
  collect(out, 0);
  // After end of stream a decoder may start anywhere: begin the next stream with an IDR.
  forceIdrNext_ = true;
}

std::vector<Packet> EncodeSession::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  requireOpen();
  ScopedContext scope(context_->cuda(), context_->get());
  std::vector<Packet> out = takeCarried();
  drain(out);
  return out;
}

// ---- reconfigure, queries ---------------------------------------------------------------------

void EncodeSession::reconfigure(const ReconfigureRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
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
    if (options_.rateControl == RateControl::Cbr && !request.hasMaxBitrate) config.rcParams.maxBitRate = request.bitrate;
  }
  if (request.hasMaxBitrate) config.rcParams.maxBitRate = request.maxBitrate;
  if (request.hasFps) {
    if (request.fps == 0) throw NativeError("INVALID_OPTION", "fps must be positive", 0, "reconfigure");
    params.frameRateNum = request.fps;
    params.frameRateDen = 1;
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
                            std::to_string(init_.maxEncodeHeight) + " this session was initialised for; open a new encoder",
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
  checkNvenc(*fns_, encoder_, fns_->nvEncReconfigureEncoder(encoder_, &reconf), "nvEncReconfigureEncoder", "reconfigure");
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
  std::vector<std::pair<std::string, int>> out;
  GUID guid = codecGuid(codec);
  uint32_t count = 0, got = 0;
  fns_->nvEncGetEncodeGUIDCount(encoder_, &count);
  std::vector<GUID> guids(count);
  if (count) fns_->nvEncGetEncodeGUIDs(encoder_, guids.data(), count, &got);
  guids.resize(got);
  bool supported = (codec != Codec::Av1 || abi::kHasAv1) &&
                   std::any_of(guids.begin(), guids.end(), [&](const GUID& g) { return sameGuid(g, guid); });
  out.emplace_back("supported", supported ? 1 : 0);
  if (!supported) return out;
  static const std::pair<const char*, NV_ENC_CAPS> kCaps[] = {
      {"widthMax", NV_ENC_CAPS_WIDTH_MAX},
      {"heightMax", NV_ENC_CAPS_HEIGHT_MAX},
      {"widthMin", NV_ENC_CAPS_WIDTH_MIN},
      {"heightMin", NV_ENC_CAPS_HEIGHT_MIN},
      {"numMaxBframes", NV_ENC_CAPS_NUM_MAX_BFRAMES},
      {"supportedRatecontrolModes", NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES},
      {"support10bitEncode", NV_ENC_CAPS_SUPPORT_10BIT_ENCODE},
      {"supportLosslessEncode", NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE},
      {"supportYuv444Encode", NV_ENC_CAPS_SUPPORT_YUV444_ENCODE},
      {"supportLookahead", NV_ENC_CAPS_SUPPORT_LOOKAHEAD},
      {"supportTemporalAq", NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ},
      {"asyncEncodeSupport", NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT},
      {"supportDynResChange", NV_ENC_CAPS_SUPPORT_DYN_RES_CHANGE},
      {"supportDynBitrateChange", NV_ENC_CAPS_SUPPORT_DYN_BITRATE_CHANGE},
      {"supportDynForceConstqp", NV_ENC_CAPS_SUPPORT_DYN_FORCE_CONSTQP},
      {"supportDynRcmodeChange", NV_ENC_CAPS_SUPPORT_DYN_RCMODE_CHANGE},
      {"supportCustomVbvBufSize", NV_ENC_CAPS_SUPPORT_CUSTOM_VBV_BUF_SIZE},
      {"supportIntraRefresh", NV_ENC_CAPS_SUPPORT_INTRA_REFRESH},
      {"supportBframeRefMode", NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE},
      {"supportFieldEncoding", NV_ENC_CAPS_SUPPORT_FIELD_ENCODING},
      {"supportMonochrome", NV_ENC_CAPS_SUPPORT_MONOCHROME},
      {"supportCabac", NV_ENC_CAPS_SUPPORT_CABAC},
      {"supportSao", NV_ENC_CAPS_SUPPORT_SAO},
      {"supportTemporalSvc", NV_ENC_CAPS_SUPPORT_TEMPORAL_SVC},
      {"supportHierarchicalPframes", NV_ENC_CAPS_SUPPORT_HIERARCHICAL_PFRAMES},
      {"supportHierarchicalBframes", NV_ENC_CAPS_SUPPORT_HIERARCHICAL_BFRAMES},
      {"supportRefPicInvalidation", NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION},
      {"supportWeightedPrediction", NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION},
      {"supportMultipleRefFrames", NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES},
      {"supportAlphaLayerEncoding", NV_ENC_CAPS_SUPPORT_ALPHA_LAYER_ENCODING},
      {"supportEmphasisLevelMap", NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP},
      {"supportMeonlyMode", NV_ENC_CAPS_SUPPORT_MEONLY_MODE},
      {"numMaxTemporalLayers", NV_ENC_CAPS_NUM_MAX_TEMPORAL_LAYERS},
      {"numMaxLtrFrames", NV_ENC_CAPS_NUM_MAX_LTR_FRAMES},
      {"numEncoderEngines", NV_ENC_CAPS_NUM_ENCODER_ENGINES},
      {"singleSliceIntraRefresh", NV_ENC_CAPS_SINGLE_SLICE_INTRA_REFRESH},
      {"mbNumMax", NV_ENC_CAPS_MB_NUM_MAX},
      {"mbPerSecMax", NV_ENC_CAPS_MB_PER_SEC_MAX},
      {"levelMax", NV_ENC_CAPS_LEVEL_MAX},
      {"levelMin", NV_ENC_CAPS_LEVEL_MIN},
      {"dynamicQueryEncoderCapacity", NV_ENC_CAPS_DYNAMIC_QUERY_ENCODER_CAPACITY},
  };
  for (const auto& [name, which] : kCaps) {
    NV_ENC_CAPS_PARAM param{};
    param.version = NV_ENC_CAPS_PARAM_VER;
    param.capsToQuery = which;
    int value = 0;
    if (fns_->nvEncGetEncodeCaps(encoder_, guid, &param, &value) == NV_ENC_SUCCESS) out.emplace_back(name, value);
  }
  return out;
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
