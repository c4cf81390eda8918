#pragma once
// One NVENC encode session, walked through FFmpeg nvenc.c's phases with one class per resource:
// context → open → capability checks → preset + configuration → initialise → surfaces and
// bitstream buffers → send frame / receive packets → tear down in reverse. The per-frame phases
// are defined in send_frame.cc, receive_packets.cc and reconfigure.cc, the rest in
// encode_session.cc.
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
#include "session/session_types.h"

namespace nvenc {

class EncodeSession {
 public:
  explicit EncodeSession(const SessionOptions& options);
  ~EncodeSession();
  EncodeSession(const EncodeSession&) = delete;
  EncodeSession& operator=(const EncodeSession&) = delete;

  // `memory`, when given, receives the bytes of the packets this call reads out of NVENC (see
  // PacketMemory); packets drained earlier (by reconfigure) still carry theirs in Packet::data.
  // Host picture, planes stacked at `pitch` (0 = tight). Copied into an encoder-owned surface.
  std::vector<Packet> encodeHost(const uint8_t* data, size_t bytes, size_t pitch, const FrameMeta& meta,
                                 PacketMemory* memory = nullptr);
  // Caller's CUDA device memory: registered once per (ptr, pitch, format, size), zero-copy.
  std::vector<Packet> encodeDevice(CUdeviceptr ptr, size_t pitch, const FrameMeta& meta,
                                   PacketMemory* memory = nullptr);
  // End of stream: drains every pending packet; the next picture is an IDR.
  std::vector<Packet> flush(PacketMemory* memory = nullptr);
  void reconfigure(const ReconfigureRequest& request);
  std::vector<std::pair<std::string, int>> capabilities(Codec codec);
  std::vector<uint8_t> sequenceHeaders();
  std::unique_ptr<PinnedHostBuffer> allocateHostFrame();
  bool releaseDevicePointer(CUdeviceptr ptr);
  // nvEncInvalidateRefFrames for the pictures encoded with these caller timestamps (those still
  // in the recent-picture window); returns how many were found.
  uint32_t invalidateReferences(const std::vector<double>& timestamps);
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
    std::unique_ptr<DeviceFrame> surface;              // encoder-owned input for host frames
    std::unique_ptr<RegisteredResource> registration;  // of `surface`
    std::unique_ptr<BitstreamBuffer> bitstream;
    RegisteredResource* input = nullptr;  // what is mapped for the frame in flight
    uint64_t frameNumber = 0;
  };
  struct PendingMeta {
    double seq, timestamp;
  };
  using RegistrationKey = std::tuple<CUdeviceptr, size_t, int, uint32_t, uint32_t>;

  void validateOptions() const;
  void reconfigureLocked(const ReconfigureRequest& request);
  void applyFrameQp(const FrameMeta& meta);
  void openSession();
  void initialize();
  void allocateSlots();
  void destroySlots();
  void requireOpen() const;
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
  PacketMemory* memory_ = nullptr;  // set for the duration of one encode/flush call

  std::vector<Slot> slots_;
  std::vector<size_t> freeSlots_;
  std::deque<size_t> inFlight_;  // submission order
  size_t ready_ = 0;             // leading entries of inFlight_ whose output NVENC has produced
  std::unordered_map<uint64_t, PendingMeta> pending_;
  uint64_t frameNumber_ = 0;
  bool forceIdrNext_ = false;
  std::vector<Packet> carried_;  // drained by reconfigure(), returned by the next call
  // Caller timestamp → frame number (NVENC's inputTimeStamp) of the last kRecentPictures
  // pictures, for invalidateReferences(); a DPB never holds more.
  static constexpr size_t kRecentPictures = 64;
  std::deque<std::pair<double, uint64_t>> recent_;
  CUstream ioStream_ = nullptr;         // the caller's stream, given to nvEncSetIOCudaStreams
  std::vector<uint32_t> sliceOffsets_;  // NV_ENC_LOCK_BITSTREAM::sliceOffsets, one per macroblock
  std::map<RegistrationKey, std::unique_ptr<RegisteredResource>> registrations_;
  std::unique_ptr<HostFrameUpload> hostUpload_;
};

}  // namespace nvenc
