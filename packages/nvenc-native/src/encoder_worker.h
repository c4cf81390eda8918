#pragma once
// The thread an Encoder's async calls run on. One per encoder (started on first use) rather than
// libuv's shared pool: calls run strictly in submission order, a slow encoder cannot starve
// other addons' pool work, and NVENC's blocking nvEncLockBitstream never touches the event loop.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace nvenc {

class EncoderWorker {
 public:
  EncoderWorker();
  // Runs the queued jobs to the end, then joins.
  ~EncoderWorker();
  EncoderWorker(const EncoderWorker&) = delete;
  EncoderWorker& operator=(const EncoderWorker&) = delete;

  void post(std::function<void()> job);
  // Blocks until every posted job has finished (used by the synchronous calls to keep order).
  void waitIdle();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  std::atomic<size_t> queued_{0};  // jobs_.size(), readable without the mutex (the spin below)
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nvenc
