#pragma once
// Plain values that cross between the binding and the session: what to open, what a frame
// carries, what comes back. Every field of SessionOptions is filled by the binding from options
// that @nvenc-ts/nvenc resolved (packages/nvenc/src/options.ts owns every default and range);
// the zero initialisers below only keep a default-constructed struct defined, they are no defaults.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "session/frame_layout.h"

namespace nvenc {

enum class Codec { H264, Hevc, Av1 };
enum class RateControl { Cbr, Vbr, Cqp };
enum class Profile { Auto, Baseline, Main, High, High444, Main10 };
// How pageable host frames reach the device (session/host_upload.h).
enum class HostUpload { Auto, Direct, Staged };

const char* codecName(Codec c);

struct ColourDescription {
  bool present = false;                              // the caller asked for a colour description in the VUI
  uint32_t primaries = 0, transfer = 0, matrix = 0;  // H.273 codes
  bool fullRange = false;
};

// The encoder controls streamers use (issue 11). Enumerations mirror options.ts's literal unions.
enum class SliceMode { Count, MaxBytes, Macroblocks, Rows };
enum class Multipass { Disabled, QuarterResolution, FullResolution };
enum class BFrameRefMode { Disabled, Each, Middle };
enum class QpMapMode { Off, Delta, Emphasis };

struct SessionOptions {
  LibraryChoice libraries;
  int gpu = 0;
  CUcontext context = nullptr;  // caller's context; null → primary context of `gpu`
  uint32_t width = 0, height = 0;
  Codec codec = Codec::H264;
  int preset = 0;  // 1..7 for p1..p7
  NV_ENC_TUNING_INFO tuning = NV_ENC_TUNING_INFO_UNDEFINED;
  Profile profile = Profile::Auto;
  RateControl rateControl = RateControl::Cbr;
  uint32_t bitrate = 0;
  uint32_t maxBitrate = 0, vbvBufferSize = 0;  // 0: not given, the preset's value stays
  bool hasQp = false;                          // false: the preset's QP stays
  uint32_t qpI = 0, qpP = 0, qpB = 0;
  uint32_t fpsNum = 0, fpsDen = 0;
  uint32_t gop = 0, idrPeriod = 0;
  uint32_t bFrames = 0;
  InputFormat inputFormat = InputFormat::Nv12;
  ColourDescription colour;
  uint32_t extraOutputDelay = 0;
  bool repeatSpsPps = false;
  bool zeroReorderDelay = false;
  uint32_t intraRefreshPeriod = 0, intraRefreshCount = 0;  // period 0: no intra refresh
  SliceMode sliceMode = SliceMode::Count;
  uint32_t sliceValue = 0;
  bool spatialAq = false;
  uint32_t aqStrength = 0;  // 0: the driver's
  bool temporalAq = false;
  uint32_t lookahead = 0;     // 0: off
  bool hasMultipass = false;  // false: the preset's
  Multipass multipass = Multipass::Disabled;
  bool weightedPrediction = false;
  BFrameRefMode bFrameRefMode = BFrameRefMode::Disabled;
  uint32_t maxReferenceFrames = 0;  // 0: the driver decides
  QpMapMode qpMap = QpMapMode::Off;
  uint32_t longTermReferences = 0;
  bool hasCudaStream = false;
  CUstream cudaStream = nullptr;
  HostUpload hostUpload = HostUpload::Auto;  // pageable host frames: direct, staged, or timed
};

struct SeiMessage {
  uint32_t type = 0;
  std::vector<uint8_t> payload;
};

struct FrameMeta {
  bool forceKeyframe = false;
  bool hasSeq = false, hasTimestamp = false;
  double seq = 0, timestamp = 0;
  std::vector<SeiMessage> sei;
  uint32_t startIntraRefresh = 0;  // pictures of a refresh wave starting now; 0: none
  bool ltrMark = false;
  uint32_t ltrMarkSlot = 0;
  uint32_t ltrUseBitmap = 0;  // 0: no LTR use requested
  std::vector<int8_t> qpMap;  // empty: none
  // Constant QP for this picture and the ones after it (rate control CQP): applied with
  // nvEncReconfigureEncoder (no reset, no IDR) when it differs from the session's.
  bool hasQp = false;
  uint32_t qp = 0;
};

// Where a packet's bytes go when they leave NVENC's bitstream buffer. The synchronous JS path
// passes one that hands out JS-owned Buffers, so a packet is copied exactly once; without one
// (the worker thread cannot create JS values) the bytes land in Packet::data.
class PacketMemory {
 public:
  // Memory for `bytes` bytes; `handle` tells the owner later which allocation a packet got.
  virtual uint8_t* allocate(size_t bytes, size_t& handle) = 0;

 protected:
  ~PacketMemory() = default;
};

struct Packet {
  static constexpr size_t kInData = static_cast<size_t>(-1);
  std::vector<uint8_t> data;  // the bytes, unless `memory` is a PacketMemory handle
  size_t memory = kInData;
  bool keyframe = false;
  const char* pictureType = "unknown";
  double seq = 0, timestamp = 0;
  uint32_t frameIndex = 0;
  uint32_t slices = 0;  // NV_ENC_LOCK_BITSTREAM::numSlices
};

struct ReconfigureRequest {
  bool hasBitrate = false, hasMaxBitrate = false, hasFps = false, hasWidth = false, hasHeight = false;
  uint32_t bitrate = 0, maxBitrate = 0, fpsNum = 0, fpsDen = 0, width = 0, height = 0;
  bool forceKeyframe = false;
  bool hasQp = false;  // CQP only: the new constQP, the same for I, P and B pictures
  uint32_t qp = 0;
};

struct SessionInfo {
  std::string device;
  bool software = false;
  uint32_t width = 0, height = 0;
  Codec codec = Codec::H264;
  InputFormat inputFormat = InputFormat::Nv12;
  size_t pitch = 0, frameBytes = 0, registeredResources = 0;
  HostUpload hostUpload = HostUpload::Auto;  // method pageable frames use now (Auto: still timing)
};

}  // namespace nvenc
