#pragma once
// The thread an Encoder's async calls run on. One per encoder (started on first use) rather than
// libuv's shared pool: calls run strictly in submission order, a slow encoder cannot starve
// other addons' pool work, and NVENC's blocking nvEncLockBitstream never touches the event loop.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace nvenc {

class EncoderWorker {
 public:
  // A unit of work, owned by whoever posts it. Intrusive (the queue links jobs through `next`) so
  // posting allocates nothing: every encodeAsync() is one post.
  class Job {
   public:
    virtual void run() noexcept = 0;

   protected:
    ~Job() = default;

   private:
    friend class EncoderWorker;
    Job* next_ = nullptr;
  };

  EncoderWorker();
  // Runs the queued jobs to the end, then joins.
  ~EncoderWorker();
  EncoderWorker(const EncoderWorker&) = delete;
  EncoderWorker& operator=(const EncoderWorker&) = delete;

  // Queues `job` behind the others; it must stay alive until its run() has returned.
  void post(Job* job);
  // Blocks until every posted job has finished (used by the synchronous calls to keep order).
  void waitIdle();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  Job* head_ = nullptr;  // FIFO: run from head_, post at tail_
  Job* tail_ = nullptr;
  std::atomic<bool> queued_{false};  // head_ != nullptr, readable without the mutex (the spin below)
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nvenc
