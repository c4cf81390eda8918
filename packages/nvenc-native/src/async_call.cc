#include "async_call.h"

#include <chrono>

#include "async_call_queue.h"
#include "session_hand_over.h"

namespace nvenc {

void AsyncCall::run() noexcept {
  try {
    switch (kind) {
      case Kind::Open: handOver->open(*options); break;
      case Kind::Encode:
        packets = device ? session->encodeDevice(ptr, pitch, meta) : session->encodeHost(data, bytes, pitch, meta);
        break;
      case Kind::Flush: packets = session->flush(); break;
      case Kind::Reconfigure: session->reconfigure(reconfigure); break;
      case Kind::Close: session->close(); break;
      case Kind::Floor: {
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(workUs);
        while (std::chrono::steady_clock::now() < until) {
        }
        break;
      }
    }
  } catch (const NativeError& e) {
    error = e;
  } catch (const std::exception& e) {
    error = NativeError("NV_ENC_ERR_GENERIC", e.what(), 0,
                        kind == Kind::Open          ? "open"
                        : kind == Kind::Reconfigure ? "reconfigure"
                                                    : "encode");
  }
  queue->completed(this);  // the JS thread may reuse this call from here on
}

void AsyncCall::clear() {
  packets.clear();
  error.reset();
  deferred = nullptr;
  frame = nullptr;
  options.reset();
  meta = FrameMeta();
}

}  // namespace nvenc
