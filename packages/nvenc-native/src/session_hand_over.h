#pragma once
// The session openAsync() opens on the worker thread, on its way to the JS thread. The worker
// puts it here and the JS thread takes it when the open settles; close() on the JS thread can
// come in between, so whichever side is second closes it: a session is never left open unowned.
#include <memory>
#include <mutex>

#include "session/encode_session.h"

namespace nvenc {

class SessionHandOver {
 public:
  // On the worker thread: opens the session and leaves it here (closes it if shutDown() came first).
  void open(const SessionOptions& options);
  // On the JS thread: the opened session, or null (the open failed, or shutDown() closed it).
  std::shared_ptr<EncodeSession> take();
  // On the JS thread (close(), teardown): closes a session left here and any opened later.
  void shutDown();

 private:
  std::mutex mutex_;  // guards opened_ and shutDown_ (worker ↔ JS thread)
  std::shared_ptr<EncodeSession> opened_;
  bool shutDown_ = false;
};

}  // namespace nvenc
