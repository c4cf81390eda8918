#include "session_hand_over.h"

namespace nvenc {

void SessionHandOver::open(const SessionOptions& options) {
  auto session = std::make_shared<EncodeSession>(options);  // the slow part, outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutDown_)
    session->close();
  else
    opened_ = std::move(session);
}

std::shared_ptr<EncodeSession> SessionHandOver::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::move(opened_);
}

void SessionHandOver::shutDown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shutDown_ = true;
  if (opened_) opened_->close();
  opened_.reset();
}

}  // namespace nvenc
