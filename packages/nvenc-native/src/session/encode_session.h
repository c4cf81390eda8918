#pragma once
// One NVENC encode session, walked through FFmpeg nvenc.c's phases with one class per resource:
// context → open → capability checks → preset + configuration → initialise → surfaces and
// bitstream buffers → send frame / receive packets → tear down in reverse.
//
// Thread-safety: every public method takes the session's mutex, so the JS thread and the
// encoder's worker thread may both call in; calls are serialised, never interleaved.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "driver/driver.h"
#include "session/bitstream_buffer.h"
#include "session/cuda_context.h"
#include "session/device_frame.h"
#include "session/frame_layout.h"
#include "session/host_upload.h"
#include "session/pinned_host_buffer.h"
#include "session/registered_resource.h"

namespace nvenc {

enum class Codec { H264, Hevc, Av1 };
enum class RateControl { Cbr, Vbr, Cqp };
enum class Profile { Auto, Baseline, Main, High, High444, Main10 };

const char* codecName(Codec c);

struct ColourDescription {
  bool present = false;  // any of the fields was given
  uint32_t primaries = 2, transfer = 2, matrix = 2;  // H.273; 2 = unspecified
  bool fullRange = false;
};

struct SessionOptions {
  LibraryChoice libraries;
  int gpu = 0;
  CUcontext context = nullptr;  // caller's context; null → primary context of `gpu`
  uint32_t width = 0, height = 0;
  Codec codec = Codec::H264;
  int preset = 4;  // p1..p7
  NV_ENC_TUNING_INFO tuning = NV_ENC_TUNING_INFO_LOW_LATENCY;
  Profile profile = Profile::Auto;
  RateControl rateControl = RateControl::Cbr;
  uint32_t bitrate = 0, maxBitrate = 0, vbvBufferSize = 0;
  bool hasQp = false;
  uint32_t qpI = 0, qpP = 0, qpB = 0;
  uint32_t fpsNum = 30, fpsDen = 1;
  uint32_t gop = NVENC_INFINITE_GOPLENGTH, idrPeriod = NVENC_INFINITE_GOPLENGTH;
  uint32_t bFrames = 0;
  InputFormat inputFormat = InputFormat::Nv12;
  ColourDescription colour;
  uint32_t extraOutputDelay = 0;
  bool repeatSpsPps = true;
  bool zeroReorderDelay = false;
  HostUpload hostUpload = HostUpload::Auto;  // pageable host frames: direct, staged, or timed
};

struct SeiMessage {
  uint32_t type = 5;  // user_data_unregistered
  std::vector<uint8_t> payload;
};

struct FrameMeta {
  bool forceKeyframe = false;
  bool hasSeq = false, hasTimestamp = false;
  double seq = 0, timestamp = 0;
  std::vector<SeiMessage> sei;
};

struct Packet {
  std::vector<uint8_t> data;
  bool keyframe = false;
  const char* pictureType = "unknown";
  double seq = 0, timestamp = 0;
  uint32_t frameIndex = 0;
};

struct ReconfigureRequest {
  bool hasBitrate = false, hasMaxBitrate = false, hasFps = false, hasWidth = false, hasHeight = false;
  uint32_t bitrate = 0, maxBitrate = 0, fps = 0, width = 0, height = 0;
  bool forceKeyframe = false;
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

class EncodeSession {
 public:
  explicit EncodeSession(const SessionOptions& options);
  ~EncodeSession();
  EncodeSession(const EncodeSession&) = delete;
  EncodeSession& operator=(const EncodeSession&) = delete;

  // Host picture, planes stacked at `pitch` (0 = tight). Copied into an encoder-owned surface.
  std::vector<Packet> encodeHost(const uint8_t* data, size_t bytes, size_t pitch, const FrameMeta& meta);
  // Caller's CUDA device memory: registered once per (ptr, pitch, format, size), zero-copy.
  std::vector<Packet> encodeDevice(CUdeviceptr ptr, size_t pitch, const FrameMeta& meta);
  // End of stream: drains every pending packet; the next picture is an IDR.
  std::vector<Packet> flush();
  void reconfigure(const ReconfigureRequest& request);
  std::vector<std::pair<std::string, int>> capabilities(Codec codec);
  std::vector<uint8_t> sequenceHeaders();
  std::unique_ptr<PinnedHostBuffer> allocateHostFrame();
  bool releaseDevicePointer(CUdeviceptr ptr);
  SessionInfo info();
  // Where the last encode call spent its time (for the benchmark's per-stage table).
  struct StageTimings {
    double uploadUs = 0;  // host frame -> encoder surface copy (0 for device input)
    double submitUs = 0;  // nvEncEncodePicture
    double waitUs = 0;    // nvEncLockBitstream (waits for the engine) + copy out + unlock
  };
  StageTimings lastTimings();
  // Idempotent; destroys everything in reverse order of creation.
  void close();
  bool closed();

 private:
  StageTimings timings_;
  struct Slot {
    std::unique_ptr<DeviceFrame> surface;               // encoder-owned input for host frames
    std::unique_ptr<RegisteredResource> registration;   // of `surface`
    std::unique_ptr<BitstreamBuffer> bitstream;
    RegisteredResource* input = nullptr;                // what is mapped for the frame in flight
    uint64_t frameNumber = 0;
  };
  struct PendingMeta {
    double seq, timestamp;
  };
  using RegistrationKey = std::tuple<CUdeviceptr, size_t, int, uint32_t, uint32_t>;

  void validateOptions() const;
  void openSession();
  void checkCapabilities();
  void configure();
  void initialize();
  void allocateSlots();
  void destroySlots();
  int cap(const GUID& codecGuid, NV_ENC_CAPS which);
  GUID codecGuid(Codec codec) const;
  void requireOpen() const;
  void validateDevicePointer(CUdeviceptr ptr, size_t pitch);
  size_t acquireSlot(std::vector<Packet>& out);
  std::vector<Packet> submit(size_t slot, NV_ENC_INPUT_PTR input, size_t pitch, const FrameMeta& meta);
  void collect(std::vector<Packet>& out, size_t keep);
  void releaseSlotInput(Slot& slot);
  Packet readSlot(size_t index);
  void drain(std::vector<Packet>& out);
  std::vector<Packet> takeCarried();

  std::mutex mutex_;
  SessionOptions options_;
  FrameLayout layout_;
  std::shared_ptr<Driver> driver_;
  std::shared_ptr<CudaContext> context_;
  const NV_ENCODE_API_FUNCTION_LIST* fns_ = nullptr;
  void* encoder_ = nullptr;
  CUstream stream_ = nullptr;
  std::string deviceName_;
  bool closed_ = false;

  NV_ENC_INITIALIZE_PARAMS init_{};
  NV_ENC_CONFIG config_{};
  GUID codecGuid_{};

  std::vector<Slot> slots_;
  std::vector<size_t> freeSlots_;
  std::deque<size_t> inFlight_;   // submission order
  size_t ready_ = 0;              // leading entries of inFlight_ whose output NVENC has produced
  std::unordered_map<uint64_t, PendingMeta> pending_;
  uint64_t frameNumber_ = 0;
  bool forceIdrNext_ = false;
  std::vector<Packet> carried_;   // drained by reconfigure(), returned by the next call
  std::map<RegistrationKey, std::unique_ptr<RegisteredResource>> registrations_;
  std::unique_ptr<HostFrameUpload> hostUpload_;
};

}  // namespace nvenc
