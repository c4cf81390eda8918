#pragma once
// One openAsync()/encodeAsync()/encodeFrameAsync()/flushAsync()/reconfigureAsync() (or the
// benchmark floor) from submission to settlement: filled on the JS thread, run on the worker,
// settled on the JS thread (AsyncCallQueue). Plain values only cross to the worker (it cannot
// touch JS). Recycled by the queue, so a call in steady state allocates nothing but its packets
// and its promise.
#include <napi.h>

#include <memory>
#include <optional>
#include <vector>

#include "encoder_worker.h"
#include "native_error.h"
#include "session/encode_session.h"

namespace nvenc {

class AsyncCallQueue;
class SessionHandOver;

struct AsyncCall final : EncoderWorker::Job {
  enum class Kind { Open, Encode, Flush, Reconfigure, Close, Floor };
  AsyncCallQueue* queue = nullptr;  // told when run() is done
  Kind kind = Kind::Encode;
  EncodeSession* session = nullptr;         // Encode, Flush: set on the JS thread, open until settled
  SessionHandOver* handOver = nullptr;      // Open: where the opened session goes
  std::unique_ptr<SessionOptions> options;  // Open
  bool flat = false;                        // settle with packetsToFlat (encodeFrameAsync), not packet objects
  bool device = false;
  const uint8_t* data = nullptr;
  size_t bytes = 0, pitch = 0;
  CUdeviceptr ptr = 0;
  FrameMeta meta;
  ReconfigureRequest reconfigure;  // Reconfigure
  double workUs = 0;               // Floor: the busy-wait standing in for the session's work
  napi_deferred deferred = nullptr;
  napi_ref frame = nullptr;  // host input: keeps the pixels alive until settled
  std::vector<Packet> packets;
  std::optional<NativeError> error;

  // On the worker thread: does the work, keeps its packets or its error, tells the queue.
  void run() noexcept override;
  // On the JS thread, before reuse: drops what the last call held (a recycled call keeps no
  // pixels, SEI payloads or QP maps alive).
  void clear();
};

}  // namespace nvenc
